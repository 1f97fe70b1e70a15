// Front end of convlib.widgets.Explorer: draws a Scene (see convlib/scene.py) as SVG.
// It knows cells, colours, lines and windows, never convolution arithmetic:
// every scene comes from Python, live (JupyterLab) or from the precomputed table
// (the static website, where no kernel runs). It pings the kernel over the widget's
// custom messages: while pongs come back it says "live" and draws the kernel's scene
// (from the table until the kernel's answer for the current controls arrives);
// otherwise it says "static" and draws from the table.
const PING_EVERY = 5000, PONG_WITHIN = 3000; // ms
const COLOURS = { i: "#9ecae1", p: "#eeeeee", z: "#ffffff", k: "#fdae6b", o: "#a1d99b", c: "#c7b3e5", x: "#f4a6a6" };
// Layout numbers and the two functions labelBoxes and viewBox mirror convlib/viz/_draw.py
// (CELL_PX, LABEL_PX, CELL_TEXT_PX, CHAR_EM, MIN_SCALE, LABEL_LINE, label_boxes, view_box),
// whose tests check every setting of every widget.
const CELL = 26, LABEL_PX = 12, CELL_TEXT_PX = 11, CHAR_EM = 0.6, MIN_SCALE = 0.82, LABEL_LINE = 0.6;
const SVGNS = "http://www.w3.org/2000/svg";

function el(tag, attrs, parent) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function heat(value, vmax) {
  // Diverging blue-white-red scale, like matplotlib's RdBu_r.
  const t = Math.max(-1, Math.min(1, value / (vmax || 1)));
  const mix = (a, b, f) => Math.round(a + (b - a) * f);
  const [r, g, b] = t >= 0 ? [mix(247, 178, t), mix(247, 24, t), mix(247, 43, t)] : [mix(247, 33, -t), mix(247, 102, -t), mix(247, 172, -t)];
  return `rgb(${r},${g},${b})`;
}

export function stateKey(controls, values) {
  return controls.map((c) => JSON.stringify(values[c.name])).join(",");
}

export function labelBoxes(scene) {
  // [left, right, baseline, text] in cells: centred over the grid, 0.3 above it; moved up a line
  // while it would overlap a label placed before it.
  const placed = [];
  for (const g of scene.grids || []) {
    if (!g.label) continue;
    const centre = g.x + g.cols / 2, half = [...g.label].length * CHAR_EM * LABEL_PX / CELL / 2;
    const left = centre - half, right = centre + half;
    let base = g.y - 0.3;
    while (placed.some(([l, r, b]) => Math.abs(b - base) < LABEL_LINE && l < right + 0.3 && left < r + 0.3)) base -= LABEL_LINE;
    placed.push([left, right, base, g.label]);
  }
  return placed;
}

export function viewBox(scene) {
  let width = 1, height = 1;
  for (const g of scene.grids || []) { width = Math.max(width, g.x + g.cols); height = Math.max(height, g.y + g.rows); }
  const boxes = labelBoxes(scene);
  const left = Math.min(0, ...boxes.map((b) => b[0])) - 0.5;
  const right = Math.max(width, ...boxes.map((b) => b[1])) + 0.5;
  const top = Math.min(-0.9, ...boxes.map((b) => b[2] - LABEL_PX / CELL)) - 0.5;
  return [left, top, right - left, height + 0.4 - top];
}

// The drawing's text alternative: what it shows, in the scene's own words (its text lines, and the
// line of the current step), or else the names and sizes of its grids.
export function describe(scene, frame) {
  const frameLine = (scene.frame_lines || [])[frame];
  const lines = (scene.lines || []).concat(frameLine === undefined ? [] : [frameLine]);
  if (lines.length) return lines.join("; ");
  return (scene.grids || []).map((g) => `${g.label || g.name}: ${g.rows}×${g.cols}`).join("; ");
}

export function drawScene(scene, frame) {
  const [vx, vy, vw, vh] = viewBox(scene);
  // Full size is one CELL per cell; a narrow column shrinks the drawing down to MIN_SCALE, then it scrolls.
  const svg = el("svg", { viewBox: `${vx * CELL} ${vy * CELL} ${vw * CELL} ${vh * CELL}`, width: vw * CELL,
    style: `min-width: ${Math.ceil(MIN_SCALE * vw * CELL)}px`, "data-frame": frame,
    role: "img", "aria-label": describe(scene, frame) });
  const grids = {};
  for (const g of scene.grids || []) {
    grids[g.name] = g;
    const group = el("g", { "data-grid": g.name, "data-rows": g.rows, "data-cols": g.cols }, svg);
    const vmax = g.vmax || Math.max(1e-12, ...(g.values || [1]).map(Math.abs));
    for (let idx = 0; idx < g.cells.length; idx++) {
      const letter = g.cells[idx];
      if (letter === ".") continue;
      const r = Math.floor(idx / g.cols), c = idx % g.cols;
      const fill = g.values ? heat(g.values[idx], vmax) : COLOURS[letter];
      el("rect", { x: (g.x + c) * CELL, y: (g.y + r) * CELL, width: CELL, height: CELL, fill, stroke: "#777",
        "stroke-dasharray": "pz".includes(letter) ? "3,2" : "none", "data-cell": letter }, group);
      if (g.text && g.text[idx]) {
        const t = el("text", { x: (g.x + c + 0.5) * CELL, y: (g.y + r + 0.5) * CELL, "text-anchor": "middle", "dominant-baseline": "central", "font-size": CELL_TEXT_PX }, group);
        t.textContent = g.text[idx];
      }
    }
  }
  for (const [left, right, base, label] of labelBoxes(scene)) {
    const t = el("text", { x: (left + right) / 2 * CELL, y: base * CELL, "text-anchor": "middle", "font-size": LABEL_PX, class: "cx-label" }, svg);
    t.textContent = label;
  }
  for (const l of scene.links || []) {
    const a = grids[l.a], b = grids[l.b];
    el("line", { x1: (a.x + l.a_col + 0.5) * CELL, y1: (a.y + l.a_row + 0.5) * CELL, x2: (b.x + l.b_col + 0.5) * CELL,
      y2: (b.y + l.b_row + 0.5) * CELL, stroke: l.colour, "stroke-width": 1 }, svg);
  }
  for (const w of scene.windows || []) {
    const src = grids[w.src], dst = grids[w.dst];
    const f = frame % (w.out_rows * w.out_cols);
    const row = Math.floor(f / w.out_cols), col = f % w.out_cols;
    const r0 = w.start[0] + row * w.stride[0], c0 = w.start[1] + col * w.stride[1];
    for (let a = 0; a < w.kernel[0]; a++) {
      for (let b = 0; b < w.kernel[1]; b++) {
        const r = r0 + a * w.dilation[0], c = c0 + b * w.dilation[1];
        if (r < 0 || c < 0 || r >= src.rows || c >= src.cols) continue;
        el("rect", { x: (src.x + c + 0.1) * CELL, y: (src.y + r + 0.1) * CELL, width: 0.8 * CELL, height: 0.8 * CELL,
          fill: COLOURS.k, stroke: "#d94801", "fill-opacity": 0.45, class: "cx-tap" }, svg);
      }
    }
    const [dr, dc] = w.dst_start || [0, 0];
    el("rect", { x: (dst.x + col + dc) * CELL, y: (dst.y + row + dr) * CELL, width: CELL, height: CELL, fill: "none",
      stroke: "#d94801", "stroke-width": 3, class: "cx-target" }, svg);
  }
  return svg;
}

function frameCount(scene) {
  return Math.max(1, ...(scene.windows || []).map((w) => w.out_rows * w.out_cols));
}

let explorers = 0; // for ids unique in the page

function render({ model, el: root }) {
  const uid = `cx${++explorers}-${Math.random().toString(36).slice(2, 7)}`;
  root.classList.add("convlib-explorer");
  root.setAttribute("role", "group");
  const title = document.createElement("div");
  title.className = "cx-title";
  title.id = `${uid}-title`;
  root.setAttribute("aria-labelledby", title.id);
  const controlsBox = document.createElement("div");
  controlsBox.className = "cx-controls";
  const player = document.createElement("div");
  player.className = "cx-player";
  const figure = document.createElement("div");
  figure.className = "cx-figure";
  // a drawing wider than the column scrolls: the keyboard must reach it (focus, then the arrow keys)
  figure.tabIndex = 0;
  figure.setAttribute("role", "group");
  figure.setAttribute("aria-label", "drawing");
  const error = document.createElement("div");
  error.className = "cx-error";
  error.setAttribute("role", "status");
  const lines = document.createElement("div");
  lines.className = "cx-lines";
  lines.id = `${uid}-lines`;
  const status = document.createElement("span");
  status.className = "cx-status";
  status.setAttribute("role", "status");
  root.append(title, status, controlsBox, player, error, figure, lines);

  let live = false, pingId = 0, answered = 0, waiting = null;
  function showStatus() {
    status.textContent = live ? "live" : "static";
    status.dataset.status = live ? "live" : "static";
    status.title = live ? "live: the kernel redraws this figure as you move the controls"
      : "static: no kernel answers; the figure is drawn from the table saved with the page";
  }
  function setLive(value) {
    if (value === live) return;
    live = value;
    showStatus();
    draw();
  }
  function ping() {
    pingId += 1;
    const id = pingId;
    try { model.send({ type: "ping", id }); } catch (e) { /* no kernel connection (a static page) */ }
    clearTimeout(waiting);
    waiting = setTimeout(() => { if (answered < id) setLive(false); }, PONG_WITHIN);
  }
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "pong") { answered = Math.max(answered, Number(msg.id) || 0); setLive(true); }
  });

  let frame = 0, timer = null;
  const play = document.createElement("button");
  play.type = "button";
  play.textContent = "▶ play";
  play.setAttribute("aria-label", "play the steps");
  const step = document.createElement("input");
  step.type = "range"; step.min = 0; step.value = 0; step.setAttribute("aria-label", "step");
  const stepLabel = document.createElement("span");
  player.append(play, step, stepLabel);

  function current() {
    const table = model.get("table") || {};
    const key = stateKey(model.get("controls"), model.get("values"));
    if (live && model.get("scene_key") === key) return [model.get("scene") || {}, "kernel", key];
    if (table[key]) return [table[key], "table", key];
    return [model.get("scene") || {}, "kernel", model.get("scene_key")];
  }

  function draw() {
    const [scene, source, key] = current();
    figure.dataset.source = source;
    figure.dataset.key = key || "";
    const frames = frameCount(scene);
    frame = frame % frames;
    step.max = frames - 1; step.value = frame;
    stepLabel.textContent = `step ${frame + 1} of ${frames}`;
    step.setAttribute("aria-valuetext", stepLabel.textContent);
    player.style.display = (scene.windows || []).length && !scene.error ? "flex" : "none";
    error.textContent = scene.error || "";
    figure.replaceChildren();
    lines.textContent = "";
    if (scene.error) return;
    figure.appendChild(drawScene(scene, frame));
    const frameLine = (scene.frame_lines || [])[frame];
    lines.textContent = (scene.lines || []).concat(frameLine === undefined ? [] : [frameLine]).join("\n");
  }

  function buildControls() {
    title.textContent = model.get("title") || "";
    figure.setAttribute("aria-label", `${title.textContent || "widget"}: drawing`);
    controlsBox.replaceChildren();
    const values = model.get("values");
    for (const c of model.get("controls")) {
      const label = document.createElement("label");
      label.textContent = c.label;
      const shown = document.createElement("span");
      shown.className = "cx-value";
      let input;
      const numeric = c.options.every((o) => typeof o === "number");
      if (numeric) {
        input = document.createElement("input");
        input.type = "range"; input.min = 0; input.max = c.options.length - 1; input.step = 1;
        input.value = Math.max(0, c.options.indexOf(values[c.name]));
      } else {
        input = document.createElement("select");
        c.options.forEach((o, i) => { const opt = document.createElement("option"); opt.value = i; opt.textContent = o; input.appendChild(opt); });
        input.value = Math.max(0, c.options.indexOf(values[c.name]));
      }
      input.name = c.name;
      input.id = `${uid}-${c.name}`;
      label.htmlFor = input.id;
      input.setAttribute("aria-label", c.label);
      // a drop-down shows its own value; the value column would only repeat (and wrap) it. A slider's
      // position is an index into the options: assistive technology reads the value itself instead.
      const show = (value) => {
        shown.textContent = numeric ? value : "";
        if (numeric) input.setAttribute("aria-valuetext", String(value));
      };
      show(values[c.name]);
      input.addEventListener("input", () => {
        const value = c.options[Number(input.value)];
        show(value);
        model.set("values", { ...model.get("values"), [c.name]: value });
        model.save_changes();
      });
      controlsBox.append(label, input, shown);
    }
  }

  play.addEventListener("click", () => {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ play"; return; }
    play.textContent = "❚❚ pause";
    timer = setInterval(() => { frame += 1; draw(); }, 600);
  });
  step.addEventListener("input", () => { frame = Number(step.value); draw(); });

  buildControls();
  showStatus();
  draw();
  model.on("change:values", draw);
  model.on("change:scene", draw);
  model.on("change:scene_key", draw);
  model.on("change:controls", () => { buildControls(); draw(); });
  ping();
  const pinger = setInterval(ping, PING_EVERY);
  return () => { if (timer) clearInterval(timer); clearInterval(pinger); clearTimeout(waiting); };
}

export default { render };
