"""The JavaScript a page visit runs in the page, and the style it adds.

Each script is a function for Playwright's ``page.evaluate``; what it returns is described
beside it.
"""

# Load the page's images even if marked lazy, so the checks see every one.
LOAD_IMAGES = """async () => {
    await Promise.all([...document.images].map((img) => {
        img.loading = "eager";
        return img.decode().catch(() => null);
    }));
}"""
METRICS = """() => {
    const [nav] = performance.getEntriesByType("navigation");
    const resources = performance.getEntriesByType("resource");
    return {
        loadMs: nav.loadEventEnd - nav.startTime,
        bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    };
}"""
CONTENT = """() => {
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    // Text a reader sees as prose: code, scripts and styles left out.
    const main = document.querySelector("main") || document.body;
    const prose = main.cloneNode(true);
    prose.querySelectorAll("pre, code, kbd, samp, script, style, textarea, .highlight")
        .forEach((el) => el.remove());
    return {
        math: document.querySelectorAll("math").length,
        mathErrors: document.querySelectorAll("math merror").length,
        mathFallbacks: document.querySelectorAll(".math > code").length,
        mathUnsized: [...document.querySelectorAll("main math")]
            .filter((m) => m.getClientRects().length > 0)
            .filter((m) => m.getBoundingClientRect().width === 0).length,
        prose: prose.textContent,
        images: [...document.images].map((img) => ({
            src: img.src,
            alt: img.getAttribute("alt"),
            width: img.naturalWidth,
            complete: img.complete,
        })),
        figures: [...document.querySelectorAll("main figure")].map((fig) => ({
            id: describe(fig),
            images: fig.querySelectorAll("img, svg, object").length,
        })),
        cells: [...document.querySelectorAll("div.cell")].map((cell) => {
            const input = cell.querySelector(".cell_input pre");
            const outputs = [...cell.querySelectorAll(".cell_output")];
            return {
                input: input ? input.textContent : null,
                outputText: outputs.map((o) => o.textContent).join("").trim(),
                outputImages: outputs.reduce((n, o) => n + o.querySelectorAll("img").length, 0),
                outputError: outputs.some((o) => o.querySelector(".traceback, .error") !== null),
                tags: [...cell.classList].filter((c) => c.startsWith("tag_")),
            };
        }),
        icon: document.querySelector("link[rel~='icon']")?.href ?? null,
        links: [...document.querySelectorAll("a[href]")].map((a) => a.href)
            .filter((href) => href.startsWith(location.origin)),
    };
}"""
# At phone width: the page's width, and the outermost elements that stick out of the viewport
# without a scrolling container of their own to hold them (named in failure messages).
WIDTH = """() => {
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    const root = document.documentElement;
    const viewport = root.clientWidth;
    const held = (el) => {
        for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (style.overflowX !== "visible" || style.position === "fixed") return true;
        }
        return getComputedStyle(el).position === "fixed";
    };
    const sticksOut = (el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.right > viewport + 0.5;
    };
    const offenders = [...document.body.querySelectorAll("*")]
        .filter((el) => sticksOut(el) && !sticksOut(el.parentElement) && !held(el))
        .map((el) => `${describe(el)} (right edge ${el.getBoundingClientRect().right | 0})`);
    return {scrollWidth: root.scrollWidth, clientWidth: viewport, offenders: offenders.slice(0, 8)};
}"""
# The figures of the page as shown (tests/browser/test_figures.py): the images of cell outputs
# and <figure> elements (not the icons of Sphinx's own pages), with their address, natural and
# displayed width. Collapsed blocks (<details> of hidden code, sphinx-togglebutton's collapsed
# solutions) are opened first, so that an image inside one is measured at the width a reader who
# opens it sees.
FIGURES = """async () => {
    const main = document.querySelector("main") || document.body;
    main.querySelectorAll("details").forEach((d) => { d.open = true; });
    main.querySelectorAll(".toggle-hidden").forEach((el) => el.classList.remove("toggle-hidden"));
    const images = [...main.querySelectorAll(".cell_output img, figure img")];
    await Promise.all(images.map((img) => img.decode().catch(() => null)));
    return images.map((img) => ({
        src: img.currentSrc || img.src,
        alt: img.getAttribute("alt"),
        naturalWidth: img.naturalWidth,
        shownWidth: img.getBoundingClientRect().width,
    }));
}"""
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"
