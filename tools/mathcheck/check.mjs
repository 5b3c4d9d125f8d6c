#!/usr/bin/env node
// Typesets formulas with MathJax's TeX input, as Anki's MathJax 3 would, and
// reports every one that has a TeX error.
//
// stdin:  [{"id": "...", "tex": "...", "display": true|false, "mathml": true|false}, ...]
// stdout: [{"id": "...", "tex": "...", "error": "..."}, ...]   (empty: all typeset)
//         plus, for each item asking "mathml": {"id": "...", "tex": "...", "mathml": "..."}:
//         the MathML MathJax built, to see which attributes (href, class, style...) a
//         formula would put into the page.
//
// The packages are the ones Anki loads (ts/mathjax/index.ts in ankitects/anki:
// base, action, ams, autoload, configmacros, mathtools, mhchem, newcommand,
// noundefined, require), with two differences that make the check strict:
//   - noundefined is left out, so an unknown macro is an error here; in Anki it
//     would only be shown as red text;
//   - autoload and require are replaced by the packages autoload would fetch
//     (\cancel, \boldsymbol, \color, \bbox, ...), since this script loads no
//     files at run time. \require{...} is therefore reported as undefined,
//     and so is the prooftree environment (bussproofs needs an output jax).
// Packages Anki does not load (physics, gensymb, upgreek, ...) stay out, so
// their macros (\abs, \degree, \upalpha, ...) are errors, as they are in Anki.
// MathJax-full is pinned to 3.2.2, the version Anki bundles.

import { mathjax } from "mathjax-full/js/mathjax.js";
import { TeX } from "mathjax-full/js/input/tex.js";
import { liteAdaptor } from "mathjax-full/js/adaptors/liteAdaptor.js";
import { RegisterHTMLHandler } from "mathjax-full/js/handlers/html.js";
import { STATE } from "mathjax-full/js/core/MathItem.js";
import { SerializedMmlVisitor } from "mathjax-full/js/core/MmlTree/SerializedMmlVisitor.js";

import "mathjax-full/js/input/tex/base/BaseConfiguration.js";
import "mathjax-full/js/input/tex/action/ActionConfiguration.js";
import "mathjax-full/js/input/tex/ams/AmsConfiguration.js";
import "mathjax-full/js/input/tex/configmacros/ConfigMacrosConfiguration.js";
import "mathjax-full/js/input/tex/mathtools/MathtoolsConfiguration.js";
import "mathjax-full/js/input/tex/mhchem/MhchemConfiguration.js";
import "mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js";
// What Anki's autoload package brings in on first use.
import "mathjax-full/js/input/tex/amscd/AmsCdConfiguration.js";
import "mathjax-full/js/input/tex/bbox/BboxConfiguration.js";
import "mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js";
import "mathjax-full/js/input/tex/braket/BraketConfiguration.js";
import "mathjax-full/js/input/tex/cancel/CancelConfiguration.js";
import "mathjax-full/js/input/tex/color/ColorConfiguration.js";
import "mathjax-full/js/input/tex/enclose/EncloseConfiguration.js";
import "mathjax-full/js/input/tex/extpfeil/ExtpfeilConfiguration.js";
import "mathjax-full/js/input/tex/html/HtmlConfiguration.js";
import "mathjax-full/js/input/tex/unicode/UnicodeConfiguration.js";
import "mathjax-full/js/input/tex/verb/VerbConfiguration.js";

export const PACKAGES = [
  "base",
  "action",
  "ams",
  "configmacros",
  "mathtools",
  "mhchem",
  "newcommand",
  "amscd",
  "bbox",
  "boldsymbol",
  "braket",
  "cancel",
  "color",
  "enclose",
  "extpfeil",
  "html",
  "unicode",
  "verb",
];

function makeChecker() {
  let lastError = null;
  const tex = new TeX({
    packages: PACKAGES,
    // Anki's settings: only \( \) and \[ \], no \$ escapes, no bare environments.
    processEscapes: false,
    processEnvironments: false,
    processRefs: false,
    formatError(jax, error) {
      lastError = error.message;
      return jax.formatError(error);
    },
  });
  const adaptor = liteAdaptor();
  RegisterHTMLHandler(adaptor);
  const doc = mathjax.document("", { InputJax: tex });

  // The first <merror> in the internal MathML tree, if any (a package may build
  // one without going through formatError).
  function findMerror(node) {
    if (node.isKind && node.isKind("merror")) return node;
    for (const child of node.childNodes || []) {
      const found = findMerror(child);
      if (found) return found;
    }
    return null;
  }

  const serializer = new SerializedMmlVisitor();

  // [error or null, the MathML built (null when conversion threw)]
  return function check(texSource, display) {
    lastError = null;
    let root;
    try {
      root = doc.convert(texSource, { display: Boolean(display), end: STATE.CONVERT });
    } catch (error) {
      return [`MathJax failed: ${error && error.message ? error.message : String(error)}`, null];
    }
    const mathml = serializer.visitTree(root);
    if (lastError !== null) return [lastError, mathml];
    const merror = findMerror(root);
    if (merror) {
      const title = merror.attributes.get("data-mjx-error") || merror.attributes.get("title");
      return [title ? String(title) : "MathJax produced an <merror> node", mathml];
    }
    return [null, mathml];
  };
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

async function main() {
  const items = JSON.parse(await readStdin());
  if (!Array.isArray(items)) throw new Error("stdin must be a JSON list of {id, tex, display}");
  // One MathJax document for all formulas, as one Anki page would have: a macro
  // defined by \newcommand or \def stays defined for the formulas after it.
  const check = makeChecker();
  const failures = [];
  for (const item of items) {
    if (typeof item.id !== "string" || typeof item.tex !== "string") {
      throw new Error(`bad item ${JSON.stringify(item)}: id and tex must be strings`);
    }
    const [error, mathml] = check(item.tex, item.display);
    if (error !== null) failures.push({ id: item.id, tex: item.tex, error });
    if (item.mathml) failures.push({ id: item.id, tex: item.tex, mathml });
  }
  process.stdout.write(JSON.stringify(failures, null, 1) + "\n");
}

main().catch((error) => {
  process.stderr.write(`mathcheck: ${error && error.stack ? error.stack : error}\n`);
  process.exit(2);
});
