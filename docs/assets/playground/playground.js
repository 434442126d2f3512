// The Playground: this package's own wheel, run by Pyodide in the page, with viz.js for the
// layout. Everything comes from the site itself (docs/build_site.py copies it in): no CDN,
// no micropip. The Python side is autograd/playground.py: the CLI, then the stepper page.
"use strict";
(function () {
  const root = document.getElementById("playground-app");
  if (!root) return;
  const assets = new URL(root.dataset.assets, document.baseURI);
  const STRINGS = window.PLAYGROUND_STRINGS;
  const elements = {
    status: document.getElementById("status"),
    expr: document.getElementById("expr"),
    vars: document.getElementById("vars"),
    run: document.getElementById("run"),
    result: document.getElementById("result"),
    timing: document.getElementById("timing"),
    presets: document.getElementById("presets"),
    language: document.getElementById("language"),
    stepper: document.getElementById("stepper"),
    stepperNote: document.getElementById("stepper-note"),
  };

  // expressions in the CLI's syntax: numbers written in the expression are data (constants,
  // not differentiated), the NAME=NUMBER variables are what the gradients are taken for
  const PRESETS = [
    { key: "presetNeuron", expr: "tanh(w*x + b)", vars: "w=0.5 x=2 b=-1.5" },
    { key: "presetMlp", expr: mlpExpression(), vars: mlpVariables() },
    {
      key: "presetPrimer",
      expr: "(x*theta_1 + theta_0 - y)**2",
      vars: "theta_0=1.883151 theta_1=-1.347759 x=-1 y=-0.823595",
    },
  ];

  function mlpExpression() {
    // hidden neuron j: tanh(wj1*x1 + wj2*x2 + bj); output: v1*h1 + ... + v4*h4 + c;
    // the loss: the mean squared error over the 4 samples (x1, x2, target)
    const samples = [[1, 0.5, 1], [-1, 1, -1], [0.5, -1, -1], [-0.5, -0.5, 1]];
    const errors = samples.map(([x1, x2, target]) => {
      const hidden = [1, 2, 3, 4].map((j) => `v${j}*tanh(w${j}1*${x1} + w${j}2*${x2} + b${j})`);
      const minusTarget = target < 0 ? `+ ${-target}` : `- ${target}`;
      return `(${hidden.join(" + ")} + c ${minusTarget})**2`;
    });
    return `(${errors.join(" + ")})/4`;
  }
  function mlpVariables() {
    return (
      "w11=-0.52 w12=0.09 b1=-0.13 w21=0.21 w22=0.25 b2=-0.43 w31=-0.97 w32=0.67 b3=-0.24 " +
      "w41=-0.53 w42=0.99 b4=-0.03 v1=0.67 v2=-0.05 v3=0.28 v4=-0.7 c=0.1"
    );
  }

  // ---- language: the site's own (<html lang>), until the switch changes it ----
  let language = document.documentElement.lang.toLowerCase().startsWith("zh") ? "zh" : "en";
  function text(key, ...values) {
    const table = STRINGS[language] || STRINGS.en;
    const sentence = key in table ? table[key] : STRINGS.en[key];
    return sentence.replace(/\{(\d+)\}/g, (_match, index) => String(values[Number(index)]));
  }
  let statusKey = ["loadingPython"];
  function setStatus(key, ...values) {
    statusKey = [key, ...values];
    elements.status.textContent = text(key, ...values);
  }
  let timingKey = null;
  function setTiming(key, ...values) {
    timingKey = key ? [key, ...values] : null;
    elements.timing.textContent = key ? text(key, ...values) : "";
  }
  let noteKey = null;
  function setNote(key, ...values) {
    noteKey = key ? [key, ...values] : null;
    elements.stepperNote.textContent = key ? text(key, ...values) : "";
  }
  function translate() {
    for (const element of root.querySelectorAll("[data-text]")) {
      element.textContent = text(element.dataset.text);
    }
    for (const button of elements.presets.querySelectorAll("button")) {
      button.textContent = text(button.dataset.preset);
    }
    elements.status.textContent = text(...statusKey);
    if (timingKey) elements.timing.textContent = text(...timingKey);
    if (noteKey) elements.stepperNote.textContent = text(...noteKey);
    elements.stepper.title = text("stepperTitle");
    elements.language.value = language;
    root.setAttribute("data-language", language);
  }

  // ---- the address keeps the state: ?expr=...&vars=...#step=N ----
  function stepFromHash() {
    const match = /^#(?:.*[&;])?step=(\d+)/.exec(window.location.hash);
    return match ? Number(match[1]) : null;
  }
  function writeAddress(step) {
    const query = new URLSearchParams({ expr: elements.expr.value, vars: elements.vars.value });
    const hash = step === null ? "" : "#step=" + step;
    const address = "?" + query.toString() + hash;
    if (window.location.search + window.location.hash !== address) {
      window.history.replaceState(null, "", address);
    }
  }

  // ---- the stepper, in a frame of its own: its page is the one save_html writes ----
  let stepperObserver = null;
  function showStepper(page, step) {
    if (stepperObserver) stepperObserver.disconnect();
    stepperObserver = null;
    if (!page) {
      elements.stepper.hidden = true;
      elements.stepper.removeAttribute("srcdoc");
      writeAddress(null);
      return;
    }
    elements.stepper.hidden = false;
    elements.stepper.onload = () => {
      const frame = elements.stepper.contentWindow;
      if (!frame || !frame.stepper) return;
      if (step !== null) frame.stepper.go(step);
      const body = frame.document.body;
      writeAddress(frame.stepper.current());
      stepperObserver = new MutationObserver(() => writeAddress(frame.stepper.current()));
      stepperObserver.observe(body, { attributes: true, attributeFilter: ["data-step"] });
      root.setAttribute("data-stepper", "ready");
    };
    root.setAttribute("data-stepper", "loading");
    elements.stepper.srcdoc = page;
  }

  // ---- Python ----
  let runInPython = null;
  let runs = 0;

  function runNow(step) {
    if (!runInPython) return;
    root.setAttribute("data-state", "running");
    const started = performance.now();
    const proxy = runInPython(elements.expr.value, elements.vars.value, language);
    const result = proxy.toJs({ dict_converter: Object.fromEntries });
    proxy.destroy();
    const elapsed = performance.now() - started;
    elements.result.textContent = result.lines.join("\n");
    elements.result.classList.toggle("error", !result.ok);
    if (result.ok && result.problem) setNote("noDrawing", result.problem);
    else if (result.ok && !result.page) setNote("noSteps");
    else setNote(null);
    showStepper(result.ok ? result.page : "", step);
    runs += 1;
    window.playground.lastRunMs = elapsed;
    setTiming("ranIn", Math.round(elapsed));
    root.setAttribute("data-runs", String(runs));
    root.setAttribute("data-state", "done");
    return result;
  }

  async function start() {
    setStatus("loadingPython");
    const query = new URLSearchParams(window.location.search);
    const chosen = query.has("expr")
      ? { expr: query.get("expr"), vars: query.get("vars") || "" }
      : PRESETS[0];
    elements.expr.value = chosen.expr;
    elements.vars.value = chosen.vars;
    // viz.js loads and compiles, and the wheel downloads, while Python loads
    const viz = loadScript(new URL("vendor/viz-global.js", assets)).then(() =>
      window.Viz.instance()
    );
    const wheels = fetchWheels();
    const phases = window.playground.phases;
    let mark = performance.now();
    function phase(name) {
      const now = performance.now();
      phases[name] = now - mark;
      mark = now;
    }
    const pyodide = await window.loadPyodide({ indexURL: new URL("vendor/pyodide/", assets).href });
    const pythonMs = performance.now();
    window.playground.pythonReadyMs = pythonMs;
    phase("python");
    setStatus("installing");
    const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
    for (const wheel of await wheels) {
      pyodide.unpackArchive(wheel, "wheel", { extractDir: sitePackages });
    }
    phase("install");
    const playground = pyodide.pyimport("autograd.playground");
    phase("import");
    setStatus("loadingGraphviz");
    const graphviz = await viz;
    phase("graphviz");
    pyodide.pyimport("autograd.render").set_svg_renderer((dot) =>
      graphviz.renderString(dot, { format: "svg" })
    );
    runInPython = playground.run;
    elements.run.disabled = false;
    runNow(stepFromHash());
    phase("firstRun");
    const firstResultMs = performance.now();
    window.playground.coldStartMs = firstResultMs;
    setStatus("ready", (pythonMs / 1000).toFixed(1), (firstResultMs / 1000).toFixed(1));
    root.setAttribute("data-ready", "true");
  }

  function loadScript(url) {
    // viz.js is 1.3 MB of script: added once Pyodide's own files are on their way
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url.href;
      script.onload = resolve;
      script.onerror = () => reject(new Error(url.pathname + " could not be loaded"));
      document.head.appendChild(script);
    });
  }

  async function fetchWheels() {
    // wheels.json lists this project's wheel (and would list any pure-Python dependency)
    const listing = await (await fetchOk(new URL("wheels/wheels.json", assets))).json();
    return Promise.all(
      listing.wheels.map(async (name) => {
        const response = await fetchOk(new URL("wheels/" + name, assets));
        return response.arrayBuffer();
      })
    );
  }

  async function fetchOk(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(url.pathname + ": HTTP " + response.status);
    return response;
  }

  // ---- the controls ----
  for (const preset of PRESETS) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.preset = preset.key;
    button.addEventListener("click", () => {
      elements.expr.value = preset.expr;
      elements.vars.value = preset.vars;
      runNow(0);
    });
    elements.presets.appendChild(button);
  }
  elements.run.addEventListener("click", () => runNow(0));
  for (const input of [elements.expr, elements.vars]) {
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        runNow(0);
      }
    });
  }
  elements.language.addEventListener("change", () => {
    language = elements.language.value === "zh" ? "zh" : "en";
    translate();
    runNow(stepFromHash()); // the stepper's own sentences follow the switch too
  });

  // for the tests and benchmarks/playground.py: times in ms from the page's navigation start
  window.playground = {
    run: runNow,
    presets: PRESETS,
    pythonReadyMs: null,
    phases: {},  // how long each part of the start took
    coldStartMs: null,
    lastRunMs: null,
  };
  translate();
  root.setAttribute("data-state", "loading");
  start().catch((error) => {
    root.setAttribute("data-state", "failed");
    setStatus("loadFailed", error && error.message ? error.message : String(error));
  });
})();
