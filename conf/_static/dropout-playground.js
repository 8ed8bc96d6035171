/* The dropout playground: a layer of units, its mask drawn in the browser, p on a slider.
 *
 * Every <figure class="dropout-playground"> of the page (written by conf/playground.py) becomes
 * a grid of data-units × data-units units, a slider for the dropout ratio p (the chance to drop
 * a unit) starting at data-ratio, and a button that draws again. Each unit gets one uniform
 * number u in [0, 1) per draw and is kept when u > p, the book's rule
 * (np.random.rand(*x.shape) > dropout_ratio), so moving the slider drops or restores units one
 * by one, and only the button draws new numbers. Beside the grid: the kept fraction and 1 - p,
 * and the mean output of the book's layer and of inverted dropout for a fixed input, in
 * training (this mask) and in inference.
 *
 * The numbers come from a generator seeded by data-seed, so a page shows the same masks on
 * every visit and a test can predict them. Every string shown is read from the figure's own
 * paragraphs (class dpg-<key>), which the page provides and a translation translates; this file
 * holds no visible text. It logs nothing.
 */
(() => {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";

  /* mulberry32 (Tommy Ettinger, public domain): 32 random bits per step from a 32-bit state. */
  function bits32(seed) {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    };
  }

  /* Uniform on [0, 1) in steps of 2^-53, built from 27 + 26 bits as NumPy builds a double. */
  function uniforms(seed) {
    const next = bits32(seed);
    return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  }

  /* The fixed input: a bump, 1 at the centre of the grid and 0.25 far from it. */
  function bump(side) {
    const centre = (side - 1) / 2;
    const width = side / 3;
    const x = new Float64Array(side * side);
    for (let row = 0; row < side; row += 1) {
      for (let col = 0; col < side; col += 1) {
        const r2 = (row - centre) ** 2 + (col - centre) ** 2;
        x[row * side + col] = 0.25 + 0.75 * Math.exp(-r2 / (2 * width * width));
      }
    }
    return x;
  }

  function element(tag, attributes = {}, namespace = null) {
    const node = namespace ? document.createElementNS(namespace, tag)
      : document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  /* A copy of the figure's paragraph for `key`, without the paragraph: text, maths and all. */
  function label(figure, key, tag = "span") {
    const holder = element(tag);
    const source = figure.querySelector(`.dpg-${key}`);
    if (source) source.childNodes.forEach((child) => holder.append(child.cloneNode(true)));
    return holder;
  }

  function text(figure, key) {
    const source = figure.querySelector(`.dpg-${key}`);
    return source ? source.textContent.trim() : "";
  }

  const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

  let playgrounds = 0;

  function build(figure) {
    playgrounds += 1;
    const side = Number.parseInt(figure.dataset.units, 10);
    const units = side * side;
    const draw = uniforms(Number.parseInt(figure.dataset.seed, 10));
    const x = bump(side);
    const u = new Float64Array(units);
    const redraw = () => { for (let i = 0; i < units; i += 1) u[i] = draw(); };

    const id = `dpg-ratio-${playgrounds}`;
    const widget = element("div", { class: "dpg-widget" });
    const controls = element("div", { class: "dpg-controls" });
    const sliderLabel = label(figure, "ratio", "label");
    sliderLabel.setAttribute("for", id);
    const slider = element("input", {
      type: "range", id, min: "0", max: "1", step: "0.01", value: figure.dataset.ratio,
    });
    const shown = element("output", { for: id, class: "dpg-ratio-value" });
    const button = label(figure, "draw", "button");
    button.type = "button";
    button.className = "dpg-draw";
    controls.append(sliderLabel, slider, shown, button);

    const grid = element("svg", {
      class: "dpg-grid", role: "img", viewBox: `0 0 ${side} ${side}`,
    }, SVG);
    const cells = [];
    for (let i = 0; i < units; i += 1) {
      const cell = element("rect", {
        x: String((i % side) + 0.08), y: String(Math.floor(i / side) + 0.08),
        width: "0.84", height: "0.84", rx: "0.12", "data-x": x[i].toFixed(6),
      }, SVG);
      cells.push(cell);
      grid.append(cell);
    }

    const numbers = element("div", { class: "dpg-numbers", "aria-live": "polite" });
    const keptValue = element("span", { class: "dpg-kept-value" });
    const expectedValue = element("span", { class: "dpg-expected-value" });
    const keptLine = element("p");
    keptLine.append(label(figure, "kept"), " ", keptValue);
    const expectedLine = element("p");
    expectedLine.append(label(figure, "expected"), " ", expectedValue);
    const table = element("table", { class: "dpg-outputs" });
    const caption = label(figure, "outputs", "caption");
    const head = element("tr");
    head.append(element("td"));
    for (const key of ["training", "inference"]) {
      const th = label(figure, key, "th");
      th.setAttribute("scope", "col");
      head.append(th);
    }
    const thead = element("thead");
    thead.append(head);
    const tbody = element("tbody");
    const outputs = {};
    for (const key of ["book", "inverted"]) {
      const row = element("tr", { class: `dpg-row-${key}` });
      const th = label(figure, key, "th");
      th.setAttribute("scope", "row");
      const training = element("td", { class: "dpg-training" });
      const inference = element("td", { class: "dpg-inference" });
      row.append(th, training, inference);
      tbody.append(row);
      outputs[key] = { training, inference };
    }
    table.append(caption, thead, tbody);
    numbers.append(keptLine, expectedLine, table);

    widget.append(controls, grid, numbers);
    figure.querySelector(".dpg-noscript")?.remove();
    figure.prepend(widget);
    const summary = text(figure, "summary");

    function render() {
      const p = Number.parseFloat(slider.value);
      const q = 1 - p;
      let kept = 0;
      const book = new Float64Array(units);
      cells.forEach((cell, i) => {
        const keep = u[i] > p; // the book's rule
        kept += keep ? 1 : 0;
        book[i] = keep ? x[i] : 0;
        cell.setAttribute("class", keep ? "dpg-unit dpg-kept" : "dpg-unit dpg-dropped");
        cell.setAttribute("fill-opacity", keep ? x[i].toFixed(3) : "0");
      });
      // Inverted dropout divides the kept units by q; with p = 1 nothing is kept and the
      // output is all zeros, as dropout_book.functional.forward_train returns.
      const inverted = p === 1 ? new Float64Array(units) : book.map((v) => v / q);
      shown.value = p.toFixed(2);
      keptValue.textContent = `${kept} / ${units} = ${(kept / units).toFixed(3)}`;
      expectedValue.textContent = q.toFixed(3);
      outputs.book.training.textContent = mean(book).toFixed(3);
      outputs.book.inference.textContent = mean(x.map((v) => v * q)).toFixed(3);
      outputs.inverted.training.textContent = mean(inverted).toFixed(3);
      outputs.inverted.inference.textContent = mean(x).toFixed(3);
      grid.setAttribute("aria-label", summary
        .replace("{kept}", String(kept))
        .replace("{units}", String(units))
        .replace("{fraction}", (kept / units).toFixed(3))
        .replace("{expected}", q.toFixed(3)));
    }

    slider.addEventListener("input", render);
    button.addEventListener("click", () => { redraw(); render(); });
    redraw();
    render();
  }

  document.querySelectorAll("figure.dropout-playground").forEach(build);
})();
