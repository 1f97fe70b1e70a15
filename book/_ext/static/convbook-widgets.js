// Draws the book's widgets on a page with no kernel, each as soon as the page's parser reaches it
// (added to the head of every page that holds a widget by book/_ext/convbook.py, which also puts a
// one-line call to it after each widget in the page).
//
// Every widget of the book is a convlib.widgets.Explorer, an anywidget whose saved state holds its
// front end (_esm, convlib/static/explorer.js), its CSS and the table of every scene. This script
// reads that state from the page and calls the front end's render({model, el}) with a model that
// serves the saved state: no require.js and no widget manager (3.5 MB of JavaScript, which only
// starts after the window's load event) stand between the reader and the first drawing.
//
// The finished progress bars of tqdm (an ipywidgets HBox of two HTML labels around a progress bar)
// are drawn here too, as they were left. A page that holds any other kind of widget then loads the
// html-manager from the site's own widgets/ folder, which draws those; the views drawn here are
// re-typed first, so that it leaves them alone.
(() => {
  if (window.convbookDrawWidgets) return; // once, even if the script were included twice
  const script = document.currentScript;
  const root = script.dataset.widgets; // page-relative address of the site's widgets/ folder
  const STATE = 'script[type="application/vnd.jupyter.widget-state+json"]';
  const VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  const DRAWN = "application/vnd.convbook.drawn-widget-view+json";
  const OURS = /^convlib\.widgets\./;

  // What an anywidget front end may ask of its model; a static page has no kernel, so send throws
  // (explorer.js catches it and says "static").
  class SavedModel {
    constructor(state) { this.state = { ...state }; this.listeners = new Map(); }
    get(name) { return this.state[name]; }
    set(name, value) {
      this.state[name] = value;
      for (const callback of this.listeners.get(`change:${name}`) || []) callback(this, value);
    }
    on(event, callback) {
      if (!this.listeners.has(event)) this.listeners.set(event, []);
      this.listeners.get(event).push(callback);
    }
    off(event, callback) {
      if (!event) { this.listeners.clear(); return; }
      const kept = (this.listeners.get(event) || []).filter((c) => callback && c !== callback);
      this.listeners.set(event, kept);
    }
    save_changes() {}
    send() { throw new Error("no kernel: this page is static"); }
  }

  // The front end, evaluated at once: explorer.js is a module whose only exports are
  // "export function name" and "export default {...}", which become a plain function's return value.
  // A dynamic import() would resolve only after the page's other deferred scripts (MathJax: seconds
  // on a busy machine) have run. A front end of any other shape is imported as a module.
  const modules = new Map();
  function evaluate(esm) {
    const names = [];
    let body = esm.replace(/^export\s+function\s+([A-Za-z_$][\w$]*)/gm, (_, name) => { names.push(name); return `function ${name}`; });
    body = body.replace(/^export\s+default\s+/m, "const __default__ = ");
    if (/^\s*(export|import)\b/m.test(body) || !body.includes("const __default__ = ")) return null;
    return new Function(`"use strict";\n${body}\nreturn { ${names.join(", ")}${names.length ? ", " : ""}default: __default__ };`)();
  }
  function frontEnd(esm) {
    if (!modules.has(esm)) {
      const module = evaluate(esm);
      modules.set(esm, module || import(URL.createObjectURL(new Blob([esm], { type: "text/javascript" }))));
    }
    return modules.get(esm);
  }
  const styles = new Set();
  function addStyle(css) {
    if (!css || styles.has(css)) return;
    styles.add(css);
    const style = document.createElement("style");
    style.textContent = css;
    document.head.appendChild(style);
  }

  function loadManager() {
    // The html-manager's icon fonts are asked for next to its modules' addresses; named after the
    // widgets/ folder itself, they are found there (else next to each page, where none are copied).
    const widgets = new URL(root, document.baseURI).href;
    const requirejs = document.createElement("script");
    requirejs.src = `${root}require.js`;
    requirejs.onload = () => {
      window.require.config({ paths: {
        "@jupyter-widgets/html-manager": `${widgets}html-manager`,
        "@jupyter-widgets/html-manager/dist/libembed-amd": `${widgets}libembed-amd`,
      } });
      const embed = document.createElement("script");
      embed.src = `${root}embed-amd.js`;
      embed.setAttribute("data-jupyter-widgets-cdn", root);
      embed.setAttribute("data-jupyter-widgets-cdn-only", "true");
      document.head.appendChild(embed);
    };
    document.head.appendChild(requirejs);
  }

  function failed(el, error) {
    el.textContent = `This widget could not be drawn: ${error}`;
    el.className = "cx-failed";
    console.error(error);
  }
  function render(module, state, el) {
    const definition = module.default || module;
    return definition.render({ model: new SavedModel(state), el });
  }
  // synchronous when the front end could be evaluated at once (the book's own), else after its import
  function draw(state, el) {
    try {
      const module = frontEnd(state._esm);
      if (typeof module.then !== "function") return render(module, state, el);
      return module.then((m) => render(m, state, el)).catch((error) => failed(el, error));
    } catch (error) {
      return failed(el, error);
    }
  }

  // A box of labels and progress bars (what tqdm shows), drawn as it was saved; null for any other widget.
  const CORE = new Set(["HBoxModel", "VBoxModel", "HTMLModel", "LabelModel", "FloatProgressModel", "IntProgressModel"]);
  function coreTree(models, id) {
    const model = models[id];
    if (!model || model.model_module !== "@jupyter-widgets/controls" || !CORE.has(model.model_name)) return null;
    const children = (model.state.children || []).map((c) => coreTree(models, String(c).replace(/^IPY_MODEL_/, "")));
    return children.includes(null) ? null : { model, children };
  }
  function drawCore({ model, children }) {
    const { model_name: kind, state } = model;
    if (kind === "HBoxModel" || kind === "VBoxModel") {
      const box = document.createElement("div");
      box.className = "cb-box";
      box.style.display = "flex";
      box.style.flexDirection = kind === "HBoxModel" ? "row" : "column";
      box.style.alignItems = "center";
      box.style.gap = "4px";
      box.append(...children.map(drawCore));
      return box;
    }
    if (kind === "HTMLModel" || kind === "LabelModel") {
      const label = document.createElement("span");
      if (kind === "HTMLModel") label.innerHTML = state.value || ""; // the page's own saved output
      else label.textContent = state.value || "";
      return label;
    }
    const bar = document.createElement("progress"); // FloatProgress, IntProgress
    bar.max = Number(state.max) - Number(state.min || 0) || 1;
    bar.value = Number(state.value) - Number(state.min || 0);
    bar.setAttribute("aria-label", `progress: ${Math.round(100 * bar.value / bar.max)}%`);
    return bar;
  }

  let models = null, others = false;
  const seen = new WeakSet(), drawing = [];
  // Draws every widget view parsed so far that is not drawn yet. The page calls it right after each
  // view (an inline script that book/_ext/convbook.py puts there), so a widget is drawn as soon as the
  // parser reaches it, not after the whole page is parsed; and once more when the page is parsed.
  function drawParsed() {
    if (models === null) {
      const states = document.querySelectorAll(STATE);
      if (!states.length) return;
      models = {};
      for (const node of states) Object.assign(models, JSON.parse(node.textContent).state);
    }
    for (const view of document.querySelectorAll(VIEW)) {
      if (seen.has(view)) continue;
      seen.add(view);
      const id = JSON.parse(view.textContent).model_id;
      const state = (models[id] || {}).state;
      const ours = state && OURS.test(state._anywidget_id || "") && typeof state._esm === "string";
      const core = ours ? null : coreTree(models, id);
      if (!ours && !core) {
        others = true;
        continue;
      }
      view.setAttribute("type", DRAWN);
      const area = document.createElement("div");
      area.className = "widget-subarea";
      view.parentElement.insertBefore(area, view);
      if (core) {
        area.appendChild(drawCore(core));
        continue;
      }
      const el = document.createElement("div");
      area.appendChild(el);
      addStyle(state._css);
      drawing.push(draw(state, el));
      if (drawing.length === 1) performance.mark("convbook-widgets:first");
    }
  }

  async function parsed() {
    drawParsed();
    await Promise.all(drawing);
    performance.mark("convbook-widgets:drawn");
    if (others) loadManager();
  }

  window.convbookDrawWidgets = drawParsed;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", parsed);
  else parsed();
})();
