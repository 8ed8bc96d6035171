"""Browser tests: the built site read in headless Chromium, as a reader would."""
