// The query editor: YASGUI over this server's /sparql, with the competency questions as examples, data-aware
// completion (complete.js), result views picked per result (views.js), a permalink and downloads.
// A file, not an inline script, so the pages' Content-Security-Policy can forbid inline scripts.
/* global Yasgui */
(function () {
  "use strict";

  const examples = JSON.parse(document.getElementById("examples").textContent);
  const initial = JSON.parse(document.getElementById("initial").textContent);
  const endpoint = new URL("/sparql", location.href).href;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    populateFromUrl: false, // the permalink is read by the server (initial), the same with and without script
    showEndpointButton: false,
    yasqe: { value: initial.text, autocompleters: window.kgAutocompleters },
    yasr: { pluginOrder: window.kgViews.order, defaultPlugin: "table" },
  });

  // Pick the view when a new result arrives, before YASR draws it: the query's #defaultView, else the shape.
  const watched = new WeakSet();
  function watch(tab) {
    const yasr = tab.getYasr();
    if (!yasr || watched.has(yasr)) return;
    watched.add(yasr);
    const setResponse = yasr.setResponse.bind(yasr);
    yasr.setResponse = (response, duration) => {
      yasr.kgFresh = true;
      setResponse(response, duration);
    };
    const draw = yasr.draw.bind(yasr);
    yasr.draw = () => {
      if (yasr.kgFresh && yasr.results) {
        yasr.kgFresh = false;
        const view = window.kgViews.pickView(tab.getQuery(), yasr.results);
        if (view && yasr.plugins[view] && yasr.plugins[view].canHandleResults()) yasr.selectedPlugin = view;
      }
      draw();
    };
  }
  watch(yasgui.getTab());
  yasgui.on("tabSelect", () => setTimeout(() => watch(yasgui.getTab())));

  // The permalink: this page with the query in its URL; opening it restores the query and runs it.
  const permalink = document.getElementById("permalink");
  function updatePermalink() {
    const url = new URL("/query", location.href);
    url.searchParams.set("query", yasgui.getTab().getQuery());
    permalink.href = url.href;
  }
  function followEditor(tab) {
    const yasqe = tab.getYasqe();
    if (yasqe && !yasqe.kgFollowed) {
      yasqe.kgFollowed = true;
      yasqe.on("change", updatePermalink);
    }
  }
  followEditor(yasgui.getTab());
  yasgui.on("tabSelect", () => setTimeout(() => (followEditor(yasgui.getTab()), updatePermalink())));
  ["mousedown", "focus", "contextmenu"].forEach((event) => permalink.addEventListener(event, updatePermalink));
  updatePermalink();

  // Downloads through the endpoint, with the Accept of the chosen format (graphs for CONSTRUCT and DESCRIBE).
  const FORMATS = {
    csv: { results: ["text/csv", "csv"], graph: ["text/turtle", "ttl"] },
    tsv: { results: ["text/tab-separated-values", "tsv"], graph: ["application/n-triples", "nt"] },
    json: { results: ["application/sparql-results+json", "json"], graph: ["application/ld+json", "jsonld"] },
  };
  const status = document.getElementById("download-status");
  document.querySelectorAll("button[data-download]").forEach((button) => {
    button.addEventListener("click", async () => {
      const yasqe = yasgui.getTab().getYasqe();
      const kind = ["CONSTRUCT", "DESCRIBE"].includes(yasqe.getQueryType()) ? "graph" : "results";
      const [accept, extension] = FORMATS[button.dataset.download][kind];
      status.textContent = "";
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { Accept: accept },
        body: new URLSearchParams({ query: yasqe.getValue() }),
      });
      if (!response.ok) {
        status.textContent = `The download failed: ${response.status} ${(await response.text()).slice(0, 300)}`;
        return;
      }
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = "query." + extension;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    });
  });

  document.querySelectorAll("button[data-example]").forEach((button) => {
    button.addEventListener("click", () => {
      const tab = yasgui.getTab();
      tab.setQuery(examples[Number(button.dataset.example)].text);
      tab.query();
    });
  });

  if (initial.run) yasgui.getTab().query();
})();
