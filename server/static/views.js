// Result views for YASR beyond its table: a timeline (dates drawn with their precision), a network (two IRI
// columns) and a bar chart (a label and a number), and the choice of view from a "#defaultView:" comment in the
// query (as the Wikidata Query Service does) or else from the shape of the result.
// Everything from the data is written with textContent or as data, never as HTML.
/* global Yasr, Chart, cytoscape */
(function () {
  "use strict";

  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const PRECISION = { [XSD + "date"]: "day", [XSD + "dateTime"]: "day", [XSD + "gYearMonth"]: "month", [XSD + "gYear"]: "year" };
  const NUMBERS = ["integer", "decimal", "double", "float", "long", "int", "short", "nonNegativeInteger", "positiveInteger"]
    .map((t) => XSD + t);
  const SVG = "http://www.w3.org/2000/svg";

  const isDate = (term) => !!term && term.type !== "uri" && term.datatype in PRECISION;
  const isNumber = (term) => !!term && term.type !== "uri" && NUMBERS.includes(term.datatype);
  const isIri = (term) => !!term && term.type === "uri";

  // The first variable whose bound values all pass the test (and that is bound at least once).
  function column(vars, rows, test, skip = []) {
    return vars.find((v) => !skip.includes(v) && rows.some((r) => r[v]) && rows.every((r) => !r[v] || test(r[v])));
  }

  // A readable text for a term: a literal's value, an IRI's last segment.
  function text(term) {
    if (!term) return "";
    if (term.type !== "uri") return term.value;
    return decodeURIComponent(term.value.replace(/[#/]$/, "").split(/[#/]/).pop() || term.value);
  }

  // The label of a row's thing: a literal column other than the ones drawn, else the thing itself.
  function labelOf(row, vars, drawn) {
    const v = vars.find((name) => !drawn.includes(name) && row[name] && row[name].type !== "uri" && !isDate(row[name]) && !isNumber(row[name]));
    return v ? row[v].value : drawn.filter((name) => row[name]).map((name) => text(row[name])).join(" ");
  }

  function shape(results) {
    const vars = results.getVariables();
    const rows = results.getBindings() || [];
    return { vars, rows };
  }

  const VIEW_NAMES = { table: "table", timeline: "timeline", graph: "network", network: "network", barchart: "barchart", bar: "barchart", chart: "barchart" };

  // The view for a query and its results: the query's "#defaultView:Name" if it names one, else by shape.
  function pickView(query, results) {
    const named = /^\s*#\s*defaultView\s*:\s*(\w+)/im.exec(query || "");
    if (named && VIEW_NAMES[named[1].toLowerCase()]) return VIEW_NAMES[named[1].toLowerCase()];
    if (!results || results.getType() !== "json" || !results.getBindings || !results.getBindings()) return undefined;
    const { vars, rows } = shape(results);
    if (!rows.length) return "table";
    if (column(vars, rows, isDate)) return "timeline";
    const from = column(vars, rows, isIri);
    if (from && column(vars, rows, isIri, [from])) return "network";
    // A label and a number: a text column, and a number in the last column only (where a GROUP BY puts its
    // count), so that a list numbered by its first column (CQ2's positions) stays a table.
    const last = vars[vars.length - 1];
    const numbers = vars.filter((v) => column([v], rows, isNumber));
    if (numbers.length === 1 && numbers[0] === last && column(vars, rows, (t) => t.type !== "uri" && !isNumber(t))) {
      return "barchart";
    }
    return "table";
  }

  function svg(name, attributes, parent) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    if (parent) parent.appendChild(element);
    return element;
  }

  // [start, end) of a date at its precision, in ms since the epoch (UTC: the dates have no timezone).
  function interval(term) {
    const precision = PRECISION[term.datatype];
    const [y, m, d] = term.value.replace(/^(-?\d+)/, "$1").split(/[-T]/).map(Number);
    if (precision === "year") return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1), precision];
    if (precision === "month") return [Date.UTC(y, m - 1, 1), Date.UTC(y, m, 1), precision];
    return [Date.UTC(y, m - 1, d), Date.UTC(y, m - 1, d + 1), precision];
  }

  class Base {
    constructor(yasr) {
      this.yasr = yasr;
    }
    canHandleResults() {
      const r = this.yasr.results;
      return !!r && r.getType() === "json" && !!r.getBindings && !!r.getBindings() && r.getBindings().length > 0 && this.ready();
    }
    ready() {
      return true;
    }
    getIcon() {
      const icon = document.createElement("span");
      icon.className = "kg-view-icon";
      return icon;
    }
    container(className) {
      const div = document.createElement("div");
      div.className = "kg-view " + className;
      this.yasr.resultsEl.appendChild(div);
      return div;
    }
  }

  class Timeline extends Base {
    constructor(yasr) {
      super(yasr);
      this.label = "Timeline";
      this.priority = 1;
    }
    ready() {
      const { vars, rows } = shape(this.yasr.results);
      return !!column(vars, rows, isDate);
    }
    draw() {
      const { vars, rows } = shape(this.yasr.results);
      const when = column(vars, rows, isDate);
      const items = rows.filter((r) => r[when]).map((r) => [...interval(r[when]), r[when].value, labelOf(r, vars, [when])]);
      items.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const min = Math.min(...items.map((i) => i[0]));
      const max = Math.max(...items.map((i) => i[1]));
      const width = 900, left = 10, lane = 22, top = 30;
      const x = (t) => left + ((t - min) / (max - min || 1)) * (width - 2 * left);
      const root = this.container("kg-timeline");
      const chart = svg("svg", { width, height: top + lane * items.length + 10, role: "img", "aria-label": "Timeline" }, root);
      for (let year = new Date(min).getUTCFullYear(); Date.UTC(year, 0, 1) <= max; year++) {
        const at = x(Math.max(min, Date.UTC(year, 0, 1)));
        svg("line", { x1: at, x2: at, y1: 15, y2: top + lane * items.length, class: "axis" }, chart);
        svg("text", { x: at + 2, y: 12, class: "axis-label" }, chart).textContent = String(year);
      }
      items.forEach(([start, end, precision, value, label], i) => {
        const y = top + i * lane;
        const item = svg("g", { class: "item precision-" + precision, "data-precision": precision, "data-date": value }, chart);
        svg("rect", { x: x(start), y, width: Math.max(4, x(end) - x(start)), height: lane - 6, rx: 2 }, item);
        // The caption after the bar, or before it when the bar ends near the right edge.
        const after = x(end) < width / 2;
        const caption = svg("text", { x: after ? Math.max(x(start) + 4, x(end)) + 4 : x(start) - 4, y: y + lane - 10, "text-anchor": after ? "start" : "end" }, item);
        caption.textContent = `${value} (${precision}) ${label}`;
        svg("title", {}, item).textContent = `${value}: ${label}`;
      });
    }
  }

  class Network extends Base {
    constructor(yasr) {
      super(yasr);
      this.label = "Network";
      this.priority = 1;
    }
    ready() {
      const { vars, rows } = shape(this.yasr.results);
      const from = column(vars, rows, isIri);
      return typeof cytoscape === "function" && !!from && !!column(vars, rows, isIri, [from]);
    }
    draw() {
      const { vars, rows } = shape(this.yasr.results);
      const from = column(vars, rows, isIri);
      const to = column(vars, rows, isIri, [from]);
      const nameOf = (row, v) => (row[v + "Label"] ? row[v + "Label"].value : text(row[v]));
      const nodes = new Map();
      const edges = new Map();
      for (const row of rows) {
        if (!row[from] || !row[to]) continue;
        nodes.set(row[from].value, { data: { id: row[from].value, label: nameOf(row, from), kind: from } });
        if (!nodes.has(row[to].value)) nodes.set(row[to].value, { data: { id: row[to].value, label: nameOf(row, to), kind: to } });
        const id = row[from].value + "\n" + row[to].value;
        edges.set(id, { data: { id, source: row[from].value, target: row[to].value } });
      }
      const root = this.container("kg-network");
      root.dataset.nodes = String(nodes.size);
      root.dataset.edges = String(edges.size);
      this.cy = cytoscape({
        container: root,
        elements: [...nodes.values(), ...edges.values()],
        layout: { name: "cose", animate: false },
        style: [
          { selector: "node", style: { label: "data(label)", "font-size": 10, "background-color": "#4a7ab5" } },
          { selector: `node[kind = "${to.replace(/"/g, "")}"]`, style: { "background-color": "#d98c2b" } },
          { selector: "edge", style: { width: 1, "curve-style": "bezier", "target-arrow-shape": "triangle" } },
        ],
      });
    }
    destroy() {
      if (this.cy) this.cy.destroy();
    }
  }

  class BarChart extends Base {
    constructor(yasr) {
      super(yasr);
      this.label = "Bar chart";
      this.priority = 1;
    }
    ready() {
      const { vars, rows } = shape(this.yasr.results);
      return typeof Chart === "function" && !!column(vars, rows, isNumber) && !!column(vars, rows, (t) => !isNumber(t));
    }
    draw() {
      const { vars, rows } = shape(this.yasr.results);
      const value = column(vars, rows, isNumber);
      const label = column(vars, rows, (t) => !isNumber(t) && t.type !== "uri") || column(vars, rows, (t) => !isNumber(t));
      const shown = rows.filter((r) => r[value]);
      const root = this.container("kg-barchart");
      const canvas = document.createElement("canvas");
      root.appendChild(canvas);
      root.dataset.bars = String(shown.length);
      this.chart = new Chart(canvas, {
        type: "bar",
        data: { labels: shown.map((r) => text(r[label])), datasets: [{ label: value, data: shown.map((r) => Number(r[value].value)) }] },
        options: { indexAxis: shown.length > 12 ? "y" : "x", animation: false, maintainAspectRatio: false },
      });
    }
    destroy() {
      if (this.chart) this.chart.destroy();
    }
  }

  Yasr.registerPlugin("timeline", Timeline);
  Yasr.registerPlugin("network", Network);
  Yasr.registerPlugin("barchart", BarChart);
  window.kgViews = { pickView, order: ["table", "timeline", "network", "barchart", "response"] };
})();
