"use strict";
// The stepper page's script (autograd/stepper.py inlines it into each page it writes).
// A page has one or two levels. The scalar level is the graph of Values: one step per
// op. With a model (params=), the page opens at the network level: one box per neuron
// per sample, one step through each whole neuron; Enter opens the current neuron's
// scalar ops, Escape closes them again at the same network step.
(function () {
  const data = JSON.parse(document.getElementById("stepper-data").textContent);
  const words = data.strings;
  const graph = document.getElementById("graph");
  const canvas = document.getElementById("canvas");
  const fitButton = document.getElementById("fit");
  const openButton = document.getElementById("open");
  const closeButton = document.getElementById("close");
  const drawings = {
    network: document.getElementById("network-drawing"),
    scalar: document.getElementById("scalar-drawing"),
  };
  const MIN_SCALE = 0.02;
  const MAX_SCALE = 5;
  const MAX_FIT = 1.5;  // a small graph is not blown up past this
  const READABLE_PX = 12;  // the current node's text is shown at least this tall
  const SMALLEST_PX = 11;  // a graph opens whole when all its text is at least this tall
  const MARGIN = 24;
  const view = { scale: 1, x: 0, y: 0, fitted: false };

  // One level: its steps, the id prefix of its drawing's nodes, how many steps are applied.
  function makeLevel(name, steps, prefix, root, group) {
    return { name: name, steps: steps, prefix: prefix, root: root, group: group, current: 0 };
  }
  const network = data.network
    ? makeLevel("network", data.network.steps, "N", data.network.root, "")
    : null;
  let level = network || makeLevel("scalar", data.steps, "n", data.root, "");
  let inside = null;  // the scalar level of the neuron opened from the network, or null

  function say(key, fields) {
    return words[key].replace(/\{(\w+)\}/g, (whole, name) =>
      fields && name in fields ? String(fields[name]) : whole);
  }

  function gradText(group) {
    const texts = group.querySelectorAll("text");
    for (let k = texts.length - 1; k >= 0; k--) {
      if (texts[k].textContent.startsWith("grad ")) return texts[k];
    }
    return null;
  }
  function setGrad(prefix, index, shown, exact) {
    const group = document.getElementById(prefix + index);
    if (!group) return;
    const text = gradText(group);
    if (text) text.textContent = "grad " + shown;
    group.setAttribute("data-grad", exact);
  }
  function applyChanges(prefix, changes, after) {
    if (after) {
      for (const change of changes) setGrad(prefix, change[0], change[3], change[4]);
    } else {
      for (let k = changes.length - 1; k >= 0; k--) {
        setGrad(prefix, changes[k][0], changes[k][1], changes[k][2]);
      }
    }
  }
  function clearHighlight() {
    for (const name of ["current", "current-op", "input", "flow", "changed"]) {
      for (const element of Array.from(document.getElementsByClassName(name))) {
        element.classList.remove(name);
      }
    }
  }
  function mark(id, name) {
    const element = document.getElementById(id);
    if (element) element.classList.add(name);
  }

  // ---- the view: pan and zoom by a CSS transform of the drawing ----
  function clampScale(scale) {
    return Math.max(MIN_SCALE, Math.min(MAX_SCALE, scale));
  }
  function applyView() {
    canvas.style.transform =
      "translate(" + view.x + "px, " + view.y + "px) scale(" + view.scale + ")";
    fitButton.textContent = view.fitted ? words.fit_back : words.fit;
    graph.setAttribute("data-scale", String(view.scale));
  }
  function area() {
    return { width: graph.clientWidth, height: graph.clientHeight };
  }
  function boxOf(elements) {
    // the elements' bounding box in drawing coordinates (CSS px at 100%)
    const origin = graph.getBoundingClientRect();
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const element of elements) {
      if (!element) continue;
      const rect = element.getBoundingClientRect();
      left = Math.min(left, rect.left);
      top = Math.min(top, rect.top);
      right = Math.max(right, rect.right);
      bottom = Math.max(bottom, rect.bottom);
    }
    if (left === Infinity) return null;
    return {
      left: (left - origin.left - view.x) / view.scale,
      top: (top - origin.top - view.y) / view.scale,
      right: (right - origin.left - view.x) / view.scale,
      bottom: (bottom - origin.top - view.y) / view.scale,
    };
  }
  function wholeBox() {
    return { left: 0, top: 0, right: canvas.offsetWidth, bottom: canvas.offsetHeight };
  }
  function fitScale(box) {
    const size = area();
    return Math.min(
      (size.width - 2 * MARGIN) / Math.max(1, box.right - box.left),
      (size.height - 2 * MARGIN) / Math.max(1, box.bottom - box.top)
    );
  }
  function centerOn(box, scale) {
    const size = area();
    view.scale = clampScale(scale);
    view.x = size.width / 2 - view.scale * (box.left + box.right) / 2;
    view.y = size.height / 2 - view.scale * (box.top + box.bottom) / 2;
  }
  function inView(box) {
    const size = area();
    const s = view.scale;
    return view.x + box.left * s >= MARGIN / 2 && view.y + box.top * s >= MARGIN / 2 &&
      view.x + box.right * s <= size.width - MARGIN / 2 &&
      view.y + box.bottom * s <= size.height - MARGIN / 2;
  }
  function keepInView(box) {
    // shift the view as little as needed so that the box is inside it
    const size = area();
    const s = view.scale;
    const right = size.width - MARGIN - (view.x + box.right * s);
    if (right < 0) view.x += right;
    const left = MARGIN - (view.x + box.left * s);
    if (left > 0) view.x += left;
    const bottom = size.height - MARGIN - (view.y + box.bottom * s);
    if (bottom < 0) view.y += bottom;
    const top = MARGIN - (view.y + box.top * s);
    if (top > 0) view.y += top;
  }
  function smallestText(element) {
    let smallest = Infinity;
    for (const text of element.querySelectorAll("text")) {
      const height = text.getBoundingClientRect().height / view.scale;
      if (height > 0) smallest = Math.min(smallest, height);
    }
    return smallest;
  }
  function readableScale(group) {
    // the zoom at which the group's smallest text is READABLE_PX tall
    const smallest = smallestText(group);
    return smallest === Infinity ? 1 : READABLE_PX / smallest;
  }
  function currentStep() {
    return level.current ? level.steps[level.current - 1] : null;
  }
  function focusIndex() {
    const step = currentStep();
    return step ? step.node : level.root;
  }
  function focus() {
    // bring the current node and its inputs into view, at a size its text can be read;
    // a graph whose every text is readable when it is whole is shown whole
    const prefix = level.prefix;
    const index = focusIndex();
    const group = document.getElementById(prefix + index);
    if (!group) return;
    const nodeBox = boxOf([group, document.getElementById(prefix + index + "_op")]);
    const step = currentStep();
    const inputs = step ? step.inputs : [];
    const focusBox = boxOf([group, ...inputs.map((k) => document.getElementById(prefix + k))]);
    const readable = readableScale(group);
    if (view.scale >= readable && inView(focusBox)) {
      applyView();  // already in view and readable: the picture stays still
      return;
    }
    const whole = wholeBox();
    const wholeScale = Math.min(fitScale(whole), MAX_FIT);
    // every text of the drawing at least SMALLEST_PX tall when it is shown whole
    const smallest = smallestText(drawings[level.name]);
    const wholeReadable = smallest !== Infinity && wholeScale * smallest >= SMALLEST_PX;
    if (wholeReadable || wholeScale >= readable) {
      centerOn(whole, wholeScale);
      view.fitted = true;
    } else {
      const scale = Math.max(readable, Math.min(Math.max(view.scale, 1), fitScale(focusBox)));
      centerOn(focusBox, scale);
      keepInView(nodeBox);  // the inputs may not all fit: the current node must
      view.fitted = false;
    }
    applyView();
  }
  function zoomAt(factor, px, py) {
    const scale = clampScale(view.scale * factor);
    view.x = px - (px - view.x) * scale / view.scale;
    view.y = py - (py - view.y) * scale / view.scale;
    view.scale = scale;
    view.fitted = false;
    applyView();
  }
  function zoomCenter(factor) {
    const size = area();
    zoomAt(factor, size.width / 2, size.height / 2);
  }
  function toggleFit() {
    if (view.fitted) {
      const box = boxOf([document.getElementById(level.prefix + focusIndex())]) || wholeBox();
      centerOn(box, 1);
      view.fitted = false;
    } else {
      centerOn(wholeBox(), Math.min(fitScale(wholeBox()), MAX_FIT));
      view.fitted = true;
    }
    applyView();
  }

  // ---- the steps ----
  function showTable(rows) {
    const table = document.getElementById("receives");
    table.textContent = "";
    table.hidden = !rows || rows.length === 0;
    if (table.hidden) return;
    const head = document.createElement("tr");
    for (const key of ["net_what", "net_receives", "net_grad"]) {
      const cell = document.createElement("th");
      cell.textContent = words[key];
      head.appendChild(cell);
    }
    table.appendChild(head);
    for (const row of rows) {
      const line = document.createElement("tr");
      row.forEach((value, column) => {
        const cell = document.createElement("td");
        cell.textContent = value;
        if (column > 0) cell.className = "number";
        line.appendChild(cell);
      });
      table.appendChild(line);
    }
  }
  function show() {
    clearHighlight();
    for (const name of ["network", "scalar"]) drawings[name].hidden = name !== level.name;
    const heading = document.getElementById("heading");
    const legend = document.getElementById("legend");
    const lines = document.getElementById("lines");
    lines.textContent = "";
    legend.textContent = "";
    const fields = { current: level.current, count: level.steps.length, group: level.group };
    document.getElementById("counter").textContent =
      say(inside ? "counter_inside" : "counter", fields);
    const step = currentStep();
    showTable(step ? step.table : null);
    if (!step) {
      heading.textContent = inside
        ? say("before_inside", fields)
        : level.steps.length ? words.before_backward : words.single_leaf;
    } else {
      const prefix = level.prefix;
      mark(prefix + step.node, "current");
      mark(prefix + step.node + "_op", "current-op");
      for (const index of step.inputs) mark(prefix + index, "input");
      for (const id of step.edges) mark(id, "flow");
      for (const change of step.changes) mark(prefix + change[0], "changed");
      heading.textContent = step.heading;
      legend.textContent = step.legend;
      for (const line of step.lines) {
        const item = document.createElement("li");
        const parts = line.split("\n");
        item.textContent = parts[0];
        if (parts.length > 1) {
          const rule = document.createElement("div");
          rule.className = "rule";
          rule.textContent = parts.slice(1).join(" ");
          item.appendChild(rule);
        }
        lines.appendChild(item);
      }
    }
    document.getElementById("prev").disabled = level.current === 0;
    document.getElementById("start").disabled = level.current === 0;
    document.getElementById("next").disabled = level.current === level.steps.length;
    document.getElementById("end").disabled = level.current === level.steps.length;
    openButton.disabled = !(network && !inside && step);
    closeButton.hidden = !inside;
    openButton.hidden = !network || Boolean(inside);
    document.body.setAttribute("data-step", String(level.current));
    document.body.setAttribute("data-level", level.name);
    document.body.setAttribute("data-steps", String(level.steps.length));
    writeHash();
    focus();
  }
  function innerSteps(step) {
    return step.inner.map((k) => data.steps[k]);
  }
  function forward() {
    if (level.current === level.steps.length) return;
    const step = level.steps[level.current];
    applyChanges(level.prefix, step.changes, true);
    if (level === network) {
      for (const inner of innerSteps(step)) applyChanges("n", inner.changes, true);
    }
    level.current += 1;
  }
  function back() {
    if (level.current === 0) return;
    level.current -= 1;
    const step = level.steps[level.current];
    if (level === network) {
      const inner = innerSteps(step);
      for (let k = inner.length - 1; k >= 0; k--) applyChanges("n", inner[k].changes, false);
    }
    applyChanges(level.prefix, step.changes, false);
  }
  function go(target) {
    target = Math.max(0, Math.min(level.steps.length, target));
    while (level.current < target) forward();
    while (level.current > target) back();
    show();
  }
  function resetView() {
    view.scale = 1;
    view.x = 0;
    view.y = 0;
    view.fitted = false;
  }
  function open() {
    // the current neuron's scalar ops, from the grads before its network step
    if (!network || inside || network.current === 0) return;
    const step = network.steps[network.current - 1];
    const steps = innerSteps(step);
    for (let k = steps.length - 1; k >= 0; k--) applyChanges("n", steps[k].changes, false);
    inside = makeLevel("scalar", steps, "n", step.output, step.group);
    level = inside;
    // the neuron's own ops stand out; the rest of the graph stays as context
    for (const inner of steps) {
      for (const index of [inner.node, ...inner.inputs]) {
        mark("n" + index, "member");
      }
      mark("n" + inner.node + "_op", "member");
      for (const id of inner.edges) mark(id, "member");
    }
    document.body.classList.add("inside");
    resetView();
    show();
  }
  function close() {
    if (!inside) return;
    while (inside.current < inside.steps.length) forward();  // the grads of the network step
    inside = null;
    level = network;
    document.body.classList.remove("inside");
    for (const element of Array.from(document.getElementsByClassName("member"))) {
      element.classList.remove("member");
    }
    resetView();
    show();
  }

  // ---- the address keeps the step: #step=N opens step N ----
  function stepFromHash() {
    const match = /^#(?:.*[&;])?step=(\d+)/.exec(window.location.hash);
    return match ? Number(match[1]) : null;
  }
  function writeHash() {
    if (inside) return;  // the address names network steps
    const hash = "#step=" + level.current;
    if (window.location.hash === hash) return;
    try {
      window.history.replaceState(null, "", hash);
    } catch (error) {
      // a sandboxed frame (a notebook's output) has no address to keep
    }
  }
  window.addEventListener("hashchange", () => {
    const step = stepFromHash();
    if (step === null) return;
    if (inside) close();
    if (step !== level.current) go(step);
  });

  // ---- input ----
  for (const index of data.valueNodes) setGrad("n", index, "0", "0.0");
  if (network) for (const index of data.network.valueNodes) setGrad("N", index, "0", "0.0");
  document.getElementById("next").addEventListener("click", () => go(level.current + 1));
  document.getElementById("prev").addEventListener("click", () => go(level.current - 1));
  document.getElementById("start").addEventListener("click", () => go(0));
  document.getElementById("end").addEventListener("click", () => go(level.steps.length));
  document.getElementById("zoom-in").addEventListener("click", () => zoomCenter(1.25));
  document.getElementById("zoom-out").addEventListener("click", () => zoomCenter(0.8));
  fitButton.addEventListener("click", toggleFit);
  openButton.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;  // leave the browser's own keys
    const key = event.key;
    if (key === "ArrowRight") go(level.current + 1);
    else if (key === "ArrowLeft") go(level.current - 1);
    else if (key === "Home") go(0);
    else if (key === "End") go(level.steps.length);
    else if (key === "Enter" && network && !inside) open();
    else if (key === "Escape" && inside) close();
    else if (key === "+" || key === "=") zoomCenter(1.25);
    else if (key === "-" || key === "_") zoomCenter(0.8);
    else if (key === "f" || key === "F") toggleFit();
    else if (key === "0") { centerOn(wholeBox(), 1); view.fitted = false; applyView(); }
    else return;
    event.preventDefault();
  });
  graph.addEventListener("wheel", (event) => {
    event.preventDefault();
    const origin = graph.getBoundingClientRect();
    const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    const factor = Math.exp(-event.deltaY * lines * 0.0015);
    zoomAt(factor, event.clientX - origin.left, event.clientY - origin.top);
  }, { passive: false });
  let drag = null;
  graph.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = {
      x: event.clientX - view.x, y: event.clientY - view.y, id: event.pointerId,
      startX: event.clientX, startY: event.clientY, target: event.target,
    };
    graph.setPointerCapture(event.pointerId);
    graph.classList.add("dragging");
  });
  graph.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    view.x = event.clientX - drag.x;
    view.y = event.clientY - drag.y;
    view.fitted = false;
    applyView();
  });
  function endDrag(event) {
    if (!drag || event.pointerId !== drag.id) return;
    const moved = Math.abs(event.clientX - drag.startX) + Math.abs(event.clientY - drag.startY);
    const target = drag.target;
    drag = null;
    graph.classList.remove("dragging");
    // a click (no drag) on the current neuron opens it
    if (event.type === "pointerup" && moved < 4 && network && !inside && target.closest) {
      const node = target.closest("g.node");
      if (node && node.classList.contains("current")) open();
    }
  }
  graph.addEventListener("pointerup", endDrag);
  graph.addEventListener("pointercancel", endDrag);
  window.addEventListener("resize", focus);

  window.stepper = {
    go: go,
    count: level.steps.length,
    current: () => level.current,
    level: () => level.name,
    open: open,
    close: close,
    view: () => ({ scale: view.scale, x: view.x, y: view.y, fitted: view.fitted }),
  };
  const opened = stepFromHash();
  go(opened === null ? 0 : opened);
})();
