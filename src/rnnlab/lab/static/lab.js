// rnnlab lab: one page, routed by the URL's hash; every answer comes from the JSON API (/api/...).
"use strict";

const main = document.getElementById("main");
const tip = document.getElementById("tip");
let timer = null; // the polling of a run still training

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "on") for (const [event, fn] of Object.entries(v)) node.addEventListener(event, fn);
    else if (k === "style") node.style.cssText = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body)});
  let answer;
  try { answer = await response.json(); } catch (e) { answer = {error: `the server answered ${response.status}`}; }
  if (!response.ok) throw new Error(answer.error || `the server answered ${response.status}`);
  return answer;
}

function fail(where, error) {
  where.replaceChildren(el("p", {class: "error"}, error.message));
}

function fmt(x) {
  return typeof x === "number" ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3)) : String(x);
}

// --- colours: a diverging scale for signals (blue below 0, red above), green/red for influence ---
function diverging(v, scale) {
  const t = Math.max(-1, Math.min(1, v / (scale || 1)));
  return t >= 0 ? `rgba(229,57,53,${t.toFixed(3)})` : `rgba(30,136,229,${(-t).toFixed(3)})`;
}

function showTip(event, text) {
  tip.textContent = text;
  tip.hidden = false;
  tip.style.left = `${event.clientX + 12}px`;
  tip.style.top = `${event.clientY + 12}px`;
}
document.addEventListener("mouseover", e => { if (!e.target.dataset || !e.target.dataset.tip) tip.hidden = true; });

// --- the runs ---
async function runsPage() {
  document.getElementById("where").textContent = "";
  const listing = await api("/api/runs");
  if (!listing.runs.length) {
    main.replaceChildren(el("p", {class: "note"},
      `No runs in ${listing.folders.join(", ")}. Train one, e.g. rnnlab charlm train, then reload.`));
    return;
  }
  main.replaceChildren(el("h2", {}, "Runs"), el("table", {id: "runs"},
    el("tr", {}, ["run", "app", "data", "test", "state"].map(h => el("th", {}, h))),
    listing.runs.map(r => el("tr", {class: "run", "data-run": r.id, on: {click: () => { location.hash = `#/run/${encodeURIComponent(r.id)}`; }}},
      el("td", {}, r.id), el("td", {}, r.app), el("td", {}, r.source || ""),
      el("td", {}, r.headline ? `${r.headline[0]} ${fmt(r.headline[1])}` : ""),
      el("td", {}, r.finished ? "finished" : `training (step ${r.step ?? "?"})`)))));
}

// --- one run: curves drawn live from metrics.jsonl, figures, and the app's own panel ---
function curves(records) {
  const W = 640, H = 220, pad = 40;
  const series = {};
  for (const r of records) {
    if (r.split !== "train" && r.split !== "validation") continue;
    const key = `${r.split} loss`;
    if (typeof r.loss === "number" && isFinite(r.loss)) (series[key] = series[key] || []).push([r.step, r.loss]);
  }
  const points = Object.values(series).flat();
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", W); svg.setAttribute("height", H); svg.id = "curves";
  if (!points.length) return svg;
  const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-9);
  const X = x => pad + (x - x0) / (x1 - x0) * (W - 2 * pad), Y = y => H - pad + (y0 - y) / (y1 - y0) * (H - 2 * pad);
  const colours = {"train loss": "#1e88e5", "validation loss": "#e53935"};
  let legend = 0;
  for (const [name, pts] of Object.entries(series)) {
    const line = document.createElementNS(svg.namespaceURI, "polyline");
    line.setAttribute("points", pts.map(p => `${X(p[0])},${Y(p[1])}`).join(" "));
    line.setAttribute("fill", "none"); line.setAttribute("stroke", colours[name]); line.setAttribute("stroke-width", 2);
    line.setAttribute("class", "series");
    svg.append(line);
    if (pts.length < 30) for (const [x, y] of pts) { // sparse series (validation): each point shown
      const dot = document.createElementNS(svg.namespaceURI, "circle");
      dot.setAttribute("cx", X(x)); dot.setAttribute("cy", Y(y)); dot.setAttribute("r", 3); dot.setAttribute("fill", colours[name]);
      svg.append(dot);
    }
    const text = document.createElementNS(svg.namespaceURI, "text");
    text.setAttribute("x", W - 150); text.setAttribute("y", 16 + 16 * legend++); text.setAttribute("fill", colours[name]);
    text.textContent = name; svg.append(text);
  }
  for (const [x, y, s] of [[pad, H - 8, `step ${x0}`], [W - pad - 60, H - 8, `step ${x1}`], [2, Y(y1) + 4, fmt(y1)], [2, Y(y0), fmt(y0)]]) {
    const text = document.createElementNS(svg.namespaceURI, "text");
    text.setAttribute("x", x); text.setAttribute("y", y); text.setAttribute("font-size", 11); text.textContent = s;
    svg.append(text);
  }
  return svg;
}

// the latest gradient diagnostics: ||dL/dh_t|| over t (log scale), gate saturation, and the clipping share
function diagnostics(records) {
  const box = el("div", {id: "diagnostics"});
  const train = records.filter(r => r.split === "train" && typeof r.clipped === "number");
  const last = records.filter(r => r.split === "diagnostics").pop();
  if (train.length) {
    const share = train.reduce((a, r) => a + r.clipped, 0) / train.length;
    box.append(el("p", {}, `gradient clipped in ${(100 * share).toFixed(1)}% of the logged training windows`));
  }
  if (!last) {
    box.append(el("p", {class: "note"}, "No gradient diagnostics in this run (train with --diagnostics N to record them)."));
    return box;
  }
  box.append(el("p", {}, `at step ${last.step}: gradient norm ${fmt(last.grad_norm)}`,
    ...Object.entries(last.saturation || {}).map(([name, v]) => ` · ${name}: ${(100 * v).toFixed(1)}% of gate values saturated`)));
  const W = 640, H = 160, pad = 36;
  for (const [name, norms] of Object.entries(last.step_norms || {})) {
    const logs = norms.map(v => Math.log10(Math.max(v, 1e-12)));
    const lo = Math.min(...logs), hi = Math.max(...logs, lo + 1e-6);
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", W); svg.setAttribute("height", H); svg.setAttribute("class", "step-norms");
    const line = document.createElementNS(svg.namespaceURI, "polyline");
    line.setAttribute("points", logs.map((v, t) => `${pad + t / Math.max(1, logs.length - 1) * (W - 2 * pad)},${H - pad + (lo - v) / (hi - lo) * (H - 2 * pad)}`).join(" "));
    line.setAttribute("fill", "none"); line.setAttribute("stroke", "#6a1b9a"); line.setAttribute("stroke-width", 2);
    svg.append(line);
    for (const [x, y, s] of [[pad, H - 8, "t = 1"], [W - pad - 40, H - 8, `t = ${logs.length}`], [2, pad - 4, `1e${hi.toFixed(1)}`], [2, H - pad, `1e${lo.toFixed(1)}`], [W / 2 - 80, 14, `||dL/dh_t||, ${name}`]]) {
      const text = document.createElementNS(svg.namespaceURI, "text");
      text.setAttribute("x", x); text.setAttribute("y", y); text.setAttribute("font-size", 11); text.textContent = s;
      svg.append(text);
    }
    box.append(svg);
  }
  return box;
}

async function runPage(id) {
  const run = await api(`/api/runs/${encodeURIComponent(id)}`);
  document.getElementById("where").textContent = `· ${run.id} (${run.app})`;
  const records = [];
  const plot = el("div", {});
  const head = el("section", {},
    el("h2", {}, `${run.app}: ${run.id}`),
    el("p", {}, `data: ${run.source || "?"} · `, run.finished ? "finished" : el("span", {id: "live"}, "training…"),
       run.headline ? ` · test ${run.headline[0]} ${fmt(run.headline[1])}` : ""),
    plot);
  const figures = el("section", {}, el("h2", {}, "Figures"),
    run.files.filter(f => f.endsWith(".png")).map(f =>
      el("figure", {}, el("img", {class: "figure", alt: f, src: `/api/runs/${encodeURIComponent(id)}/files/${encodeURIComponent(f)}`}),
        el("figcaption", {}, f))));
  const panel = el("section", {id: "panel"});
  main.replaceChildren(head, panel, figures);
  let since = 0;
  async function poll() {
    const got = await api(`/api/runs/${encodeURIComponent(id)}/metrics?since=${since}`);
    since = got.next;
    records.push(...got.records);
    plot.replaceChildren(curves(records), diagnostics(records));
  }
  await poll();
  if (!run.finished) timer = setInterval(() => poll().catch(() => {}), 2000);
  (PANELS[run.app] || otherPanel)(panel, run);
}

function otherPanel(panel, run) {
  panel.replaceChildren(el("h2", {}, "Model"), el("p", {class: "note"},
    `The ${run.app} page shows this run's curves and figures; its interactive view is not built yet.`));
}

// --- the language model: sample, then colour each character by a unit's value ---
function charlmPanel(panel, run) {
  const field = (name, value, attrs = {}) => el("input", {name, value, ...attrs});
  const form = {
    prefix: field("prefix", "", {size: 12}), temperature: field("temperature", "0.8", {type: "number", step: "0.1", min: "0.05"}),
    top_k: field("top_k", "0", {type: "number", min: "0"}), top_p: field("top_p", "1", {type: "number", step: "0.05", min: "0.05", max: "1"}),
    length: field("length", "", {type: "number", min: "1"}), seed: field("seed", "0", {type: "number"}),
  };
  const signal = el("select", {name: "signal"}, el("option", {}, "h"));
  const unit = field("unit", "0", {type: "number", min: "0"});
  const text = el("div", {class: "chars", id: "sample"});
  const units = el("div", {class: "units", id: "correlated"});
  const status = el("div", {});
  let current = "";
  async function inspect() {
    if (!current) return;
    try {
      const r = await api(`/api/runs/${encodeURIComponent(run.id)}/act/inspect`,
        {text: current, signal: signal.value, unit: Number(unit.value)});
      if (signal.options.length !== r.signals.length)
        signal.replaceChildren(...r.signals.map(s => el("option", s === r.signal ? {selected: ""} : {}, s)));
      unit.max = r.units - 1;
      const scale = Math.max(1e-6, ...r.values.map(Math.abs));
      text.replaceChildren(...r.chars.map((c, k) => {
        const next = r.top[k].map(([t, p]) => `${t === " " ? "␣" : t} ${p.toFixed(3)}`).join("\n");
        return el("span", {style: `background:${diverging(r.values[k], scale)}`,
          "data-tip": "1", "data-value": r.values[k],
          on: {mousemove: e => showTip(e, `${r.signal}[${r.unit}] = ${r.values[k].toFixed(3)}\nnext:\n${next}`)}}, c);
      }));
      units.replaceChildren(...Object.entries(r.correlated).map(([feature, list]) =>
        el("div", {}, `${feature}: `, list.map(([u, rr]) =>
          el("a", {on: {click: () => { unit.value = u; inspect(); }}}, `unit ${u} (r=${rr})`)))));
      status.replaceChildren();
    } catch (error) { fail(status, error); }
  }
  async function sampleText() {
    const params = {};
    for (const [k, input] of Object.entries(form)) if (input.value !== "") params[k] = input.type === "number" ? Number(input.value) : input.value;
    try {
      current = (await api(`/api/runs/${encodeURIComponent(run.id)}/act/sample`, params)).text;
      await inspect();
    } catch (error) { fail(status, error); }
  }
  signal.addEventListener("change", inspect);
  unit.addEventListener("change", inspect);
  panel.replaceChildren(el("h2", {}, "Sample and look inside"),
    el("div", {}, Object.entries(form).map(([k, input]) => el("label", {}, `${k} `, input)),
      el("button", {id: "sample-button", on: {click: sampleText}}, "Sample")),
    el("div", {}, el("label", {}, "colour by ", signal), el("label", {}, "unit ", unit),
      el("span", {class: "note"}, "blue: below 0, red: above; hover a character for the next character's top 5")),
    status, text, el("h2", {}, "Units that follow simple features"), units);
  sampleText();
}

// --- sentiment: classify as you type, each word coloured by its influence ---
function sentimentPanel(panel, run) {
  const input = el("textarea", {id: "sentence", rows: 2}, "the film was not good");
  const probs = el("table", {class: "bars", id: "probs"});
  const words = el("div", {class: "words", id: "words"});
  const pooled = el("div", {id: "pooled"});
  const status = el("div", {});
  let pending = null, asked = 0;
  async function classify() {
    const mine = ++asked;
    try {
      const r = await api(`/api/runs/${encodeURIComponent(run.id)}/act/classify`, {text: input.value});
      if (mine !== asked) return; // a newer request is on its way
      status.replaceChildren();
      probs.replaceChildren(...Object.entries(r.probs).map(([label, p]) => el("tr", {"data-label": label},
        el("td", {}, label), el("td", {}, el("span", {class: "bar", style: `width:${(200 * p).toFixed(1)}px`})),
        el("td", {class: "p"}, p.toFixed(3)))));
      const scale = Math.max(1e-6, ...r.words.map(w => Math.abs(w.influence)));
      words.replaceChildren(...r.words.map(w => el("span", {
        class: w.known ? "" : "unknown", "data-tip": "1", "data-influence": w.influence,
        style: `background:${w.influence >= 0 ? `rgba(67,160,71,${(w.influence / scale).toFixed(3)})` : `rgba(229,57,53,${(-w.influence / scale).toFixed(3)})`}`,
        on: {mousemove: e => showTip(e, `${w.word}: ${w.influence >= 0 ? "for" : "against"} ${r.label} by ${Math.abs(w.influence).toFixed(3)}${w.known ? "" : " (unknown word)"}`)}}, w.word)));
      const big = Math.max(1e-6, ...r.pooled.map(Math.abs));
      pooled.replaceChildren(el("span", {class: "note"}, `pooled vector (${r.pooled.length} values): `),
        ...r.pooled.map(v => el("span", {class: "bar", style: `width:6px;margin-right:1px;height:${(4 + 20 * Math.abs(v) / big).toFixed(0)}px;background:${diverging(v, big)}`})));
    } catch (error) { if (mine === asked) fail(status, error); }
  }
  input.addEventListener("input", () => { clearTimeout(pending); pending = setTimeout(classify, 150); });
  panel.replaceChildren(el("h2", {}, "Classify as you type"), input, status, probs,
    el("p", {class: "note"}, "Each word's colour: how much the predicted label's probability drops when the word is replaced by <unk> (green: for it, red: against; dotted: a word the model does not know)."),
    words, pooled);
  classify();
}

// --- translation: the n best of a beam, and the best one's attention as a heatmap ---
function translatePanel(panel, run) {
  const input = el("input", {id: "source", size: 50, value: "twenty one"});
  const beam = el("input", {name: "beam", type: "number", min: "1", value: "5"});
  const nbest = el("ol", {id: "nbest"});
  const heat = el("table", {id: "attention", class: "heat"});
  const status = el("div", {});
  async function go() {
    try {
      const r = await api(`/api/runs/${encodeURIComponent(run.id)}/act/translate`, {text: input.value, beam: Number(beam.value)});
      status.replaceChildren();
      nbest.replaceChildren(...r.outputs.map((o, k) => el("li", {}, el("b", {}, o || "(empty)"), ` ${r.scores[k].toFixed(3)}`)));
      if (!r.attention || !r.attention.length) {
        heat.replaceChildren(el("tr", {}, el("td", {class: "note"}, "This model has no attention (trained with --attention none).")));
        return;
      }
      const cells = [];
      heat.replaceChildren(el("tr", {}, el("th", {}, ""), r.source.map(w => el("th", {class: "src"}, w))),
        ...r.attention.map((row, i) => {
          const word = (r.outputs[0].split(" ")[i]) ?? "<eos>";
          const tds = row.map((w, j) => el("td", {class: "w", "data-weight": w, title: w.toFixed(3),
            style: `background:rgba(94,53,177,${w.toFixed(3)})`}));
          cells.push(tds);
          return el("tr", {class: "target", on: {
            mouseenter: () => { heat.querySelectorAll("th.src").forEach((th, j) => th.classList.toggle("lit", row[j] >= Math.max(...row) * 0.5)); },
            mouseleave: () => heat.querySelectorAll("th.src").forEach(th => th.classList.remove("lit"))}},
            el("th", {class: "tgt"}, word), tds);
        }));
    } catch (error) { fail(status, error); }
  }
  input.addEventListener("keydown", e => { if (e.key === "Enter") go(); });
  panel.replaceChildren(el("h2", {}, "Translate"), el("div", {}, input, el("label", {}, " beam ", beam),
    el("button", {id: "translate-button", on: {click: go}}, "Translate")), status,
    el("h2", {}, "Best translations (log-probability)"), nbest,
    el("h2", {}, "Attention of the best one"), el("p", {class: "note"}, "Hover a target word (a row) to light up the source words it attends to most."), heat);
  go();
}

// --- tagging: each word's tag, with the next likeliest ---
function tagPanel(panel, run) {
  const input = el("input", {id: "tag-text", size: 60, value: "the old man saw the boats"});
  const out = el("table", {id: "tags"});
  const status = el("div", {});
  let pending = null;
  async function go() {
    try {
      const r = await api(`/api/runs/${encodeURIComponent(run.id)}/act/tag`, {text: input.value});
      status.replaceChildren();
      out.replaceChildren(el("tr", {}, r.words.map(w => el("th", {}, w.word))),
        el("tr", {}, r.words.map(w => el("td", {class: "tag"}, `${w.tags[0][0]} ${w.tags[0][1].toFixed(2)}`))),
        el("tr", {class: "note"}, r.words.map(w => el("td", {}, w.tags.slice(1).map(([t, p]) => `${t} ${p.toFixed(2)}`).join(", ")))));
    } catch (error) { fail(status, error); }
  }
  input.addEventListener("input", () => { clearTimeout(pending); pending = setTimeout(go, 150); });
  panel.replaceChildren(el("h2", {}, "Tag as you type"), input, status, out);
  go();
}

// a picker over the test split: index input, previous and next, calling show(index)
function picker(show) {
  const index = el("input", {name: "index", type: "number", min: "0", value: "0"});
  const count = el("span", {class: "note"});
  const step = d => { index.value = Math.max(0, Number(index.value) + d); show(Number(index.value)); };
  index.addEventListener("change", () => show(Number(index.value)));
  return {index, count, node: el("div", {}, el("button", {on: {click: () => step(-1)}}, "◀"), " test input ", index, " ",
    el("button", {id: "next", on: {click: () => step(1)}}, "▶"), " ", count)};
}

const PALETTE = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#fdd835", "#546e7a", "#d81b60"];

// a test example from the run's test split, shown by render(answer) -> nodes, with a picker to step through them
function examplePanel(panel, run, action, title, id, render) {
  const view = el("div", {id});
  const status = el("div", {});
  const pick = picker(show);
  async function show(index) {
    try {
      const r = await api(`/api/runs/${encodeURIComponent(run.id)}/act/${action}`, {index});
      status.replaceChildren();
      pick.count.textContent = `of ${r.count} (${r.name})`;
      pick.index.max = r.count - 1;
      view.replaceChildren(...render(r));
    } catch (error) { fail(status, error); }
  }
  panel.replaceChildren(el("h2", {}, title), pick.node, status, view);
  show(0);
}

// --- recognition: the input, the transcript beside the truth, and the CTC best path under the input ---
function recognizePanel(panel, run) {
  examplePanel(panel, run, "example", "Transcribe a test input", "recognized", r => {
    const width = 2 * r.columns; // the picture is drawn 2 pixels a column
    const frames = el("div", {class: "path", id: "path", style: `width:${width}px`},
      r.path.map((s, k) => el("span", {class: s ? "sym" : "blank", "data-tip": "1",
        style: `width:${(width / r.path.length).toFixed(2)}px;opacity:${(0.3 + 0.7 * r.probs[k]).toFixed(2)}`,
        on: {mousemove: e => showTip(e, `frame ${k}: ${s ? `'${s}'` : "blank"} ${r.probs[k].toFixed(3)}`)}}, s)));
    return [el("p", {}, "transcript: ", el("b", {id: "transcript", class: r.transcript === r.truth ? "right" : "wrong"}, r.transcript || "(nothing)"),
              " · truth: ", el("span", {id: "truth"}, r.truth)), el("img", {src: r.picture, class: "strip"}), frames,
            el("p", {class: "note"}, "Under the input: each output frame's likeliest symbol (blank frames empty), darker where the model is surer; the transcript is this path with repeats merged and blanks dropped.")];
  });
}

// --- frame labelling: a test clip's frames, the true and predicted timelines, each frame's probabilities ---
function framelabelPanel(panel, run) {
  examplePanel(panel, run, "clip", "Label the frames of a test clip", "clip", r => {
    const line = (labels, id) => el("div", {class: "timeline", id}, labels.map((c, t) => el("span", {
      style: `background:${PALETTE[c % PALETTE.length]}`, "data-tip": "1",
      on: {mousemove: e => showTip(e, `frame ${t}: ${r.classes[c]}\n` + r.probs[t].map((p, k) => `${r.classes[k]} ${p.toFixed(3)}`).join("\n"))}})));
    return [el("div", {class: "frames"}, r.frames.map(src => el("img", {src}))),
            el("p", {}, "truth"), line(r.truth, "truth-line"), el("p", {}, "predicted"), line(r.predicted, "predicted-line"),
            el("p", {}, "labels: ", r.classes.map((c, k) => el("span", {class: "key", style: `background:${PALETTE[k % PALETTE.length]}`}, c))),
            el("p", {class: "note", id: "agreement"}, `${r.truth.filter((c, t) => c === r.predicted[t]).length} of ${r.truth.length} frames right; hover a frame of a timeline for its probabilities`)];
  });
}

// --- captioning: a test picture or an upload, its caption, and where each word looked ---
function captionPanel(panel, run) {
  const view = el("div", {id: "captioned"});
  const status = el("div", {});
  const pick = picker(index => ask({index}));
  const upload = el("input", {type: "file", id: "upload", accept: "image/png,image/jpeg,image/gif,image/bmp,image/webp"});
  upload.addEventListener("change", () => {
    const file = upload.files[0];
    if (!file) return;
    if (file.size > 4 * 1024 * 1024) { fail(status, new Error(`${file.name} is ${file.size.toLocaleString()} bytes; pictures of at most 4 MB, please`)); return; }
    const reader = new FileReader();
    reader.onload = () => ask({image: reader.result});
    reader.readAsDataURL(file);
  });
  async function ask(params) {
    try {
      const r = await api(`/api/runs/${encodeURIComponent(run.id)}/act/caption`, params);
      status.replaceChildren();
      if (r.count !== null) { pick.count.textContent = `of ${r.count}`; pick.index.max = r.count - 1; }
      const grid = el("div", {class: "grid", id: "grid"});
      const picture = el("div", {class: "picture"}, el("img", {src: r.picture}), grid);
      const lightUp = k => {
        if (!r.attention || !r.attention[k]) { grid.replaceChildren(); return; }
        const rows = r.attention[k], big = Math.max(...rows.flat());
        grid.style.gridTemplateColumns = `repeat(${rows[0].length}, 1fr)`;
        grid.replaceChildren(...rows.flat().map(w => el("span", {class: "cell", style: `background:rgba(255,235,59,${(0.85 * w / big).toFixed(3)})`})));
      };
      view.replaceChildren(picture,
        el("p", {id: "caption", class: "words"}, r.words.map((w, k) => el("span", {"data-tip": "1",
          on: {mouseenter: () => lightUp(k), mousemove: e => showTip(e, r.attention ? "where this word looked: yellow" : "this model has no attention")}}, w))),
        r.references.length ? el("div", {}, el("p", {class: "note"}, "references:"), el("ul", {id: "references"}, r.references.map(c => el("li", {}, c)))) : "");
      lightUp(0);
    } catch (error) { fail(status, error); }
  }
  panel.replaceChildren(el("h2", {}, "Caption a picture"), pick.node, el("div", {}, "or upload a picture (PNG, JPEG, GIF, BMP, WebP; 4 MB at most): ", upload), status, view);
  ask({index: 0});
}

const PANELS = {caption: captionPanel, charlm: charlmPanel, lm: charlmPanel, sentiment: sentimentPanel, translate: translatePanel, tag: tagPanel,
                recognize: recognizePanel, framelabel: framelabelPanel};

async function route() {
  clearInterval(timer);
  tip.hidden = true;
  const m = location.hash.match(/^#\/run\/(.+)$/);
  try {
    if (m) await runPage(decodeURIComponent(m[1]));
    else await runsPage();
  } catch (error) { fail(main, error); }
}
window.addEventListener("hashchange", route);
route();
