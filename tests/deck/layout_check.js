// Runs in the preview page after MathJax has typeset it: what a learner would
// see wrong on each card side. Returns [{note, side, problem}, ...].
(() => {
  const failures = [];
  const CJK_CLOSING = /^[，。；、：）！？」』】〉》,.;:)!?]/;
  const SCROLLERS = ".math, .we-math, table, pre, mjx-container, .worked-example";
  for (const side of document.querySelectorAll(".side")) {
    const entry = side.closest(".entry");
    const where = {
      note: entry.dataset.source + " " + entry.dataset.id,
      side: side.querySelector(".label").textContent,
    };
    const fail = (problem) => failures.push({ ...where, problem });
    const card = side.querySelector(".card");
    if (card.scrollWidth > card.clientWidth + 1) {
      const widest = Array.from(card.querySelectorAll("*")).reduce(
        (best, el) => (el.getBoundingClientRect().right > best.right
          ? { right: el.getBoundingClientRect().right, el } : best),
        { right: 0, el: null },
      );
      const what = widest.el ? describe(widest.el) : "content";
      fail(`page wider than the screen: ${card.scrollWidth}px > ${card.clientWidth}px (${what})`);
    }
    for (const box of card.querySelectorAll(SCROLLERS)) {
      if (box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible") {
        fail(`${describe(box)} scrolls: ${box.scrollWidth}px in ${box.clientWidth}px`);
      }
    }
    for (const error of card.querySelectorAll("mjx-merror, [data-mjx-error]")) {
      fail(`MathJax error: ${error.getAttribute("data-mjx-error") || error.textContent}`);
    }
    for (const img of card.querySelectorAll("img")) {
      if (!img.complete || img.naturalWidth === 0) {
        fail(`image not loaded: ${img.getAttribute("src")}`);
        continue;
      }
      const minPt = parseFloat(img.dataset.minTextPt || "NaN");
      if (!Number.isNaN(minPt)) {
        const shown = (minPt * 4 / 3) * img.clientWidth / img.naturalWidth;
        if (shown < 9) {
          fail(`figure ${img.getAttribute("alt")}: smallest text ${shown.toFixed(1)}px < 9px`);
        }
      }
    }
    for (const formula of card.querySelectorAll("mjx-container:not([display])")) {
      const next = formula.nextSibling;
      if (!next || next.nodeType !== Node.TEXT_NODE || !CJK_CLOSING.test(next.textContent)) {
        continue;
      }
      const range = document.createRange();
      range.setStart(next, 0);
      range.setEnd(next, 1);
      const mark = range.getClientRects()[0];
      const box = formula.getBoundingClientRect();
      if (mark && mark.top >= box.bottom - 1) {
        fail(`'${next.textContent[0]}' starts a line after ${describe(formula)}`);
      }
    }
  }
  return failures;

  function describe(el) {
    const container = el.closest("mjx-container");
    if (container) {
      const items = MathJax.startup.document.getMathItemsWithin(container);
      const tex = items.length ? items[0].math : "?";
      return `formula ${tex.length > 60 ? tex.slice(0, 57) + "..." : tex}`;
    }
    const cls = el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "";
    const named = el.closest("[data-example]");
    const inside = named && named !== el ? ` in worked example ${named.dataset.example}` : "";
    return el.tagName.toLowerCase() + cls + inside;
  }
})();
