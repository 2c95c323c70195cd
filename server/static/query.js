// The query editor: YASGUI over this server's /sparql, with the competency questions as examples.
// A file, not an inline script, so the pages' Content-Security-Policy can forbid inline scripts.
const examples = JSON.parse(document.getElementById("examples").textContent);
const yasgui = new Yasgui(document.getElementById("yasgui"), {
  requestConfig: { endpoint: new URL("/sparql", location.href).href, method: "POST" },
  copyEndpointOnNewTab: false,
  persistenceId: null,
  showEndpointButton: false,
  yasqe: { value: examples[0].text },
});
document.querySelectorAll("button[data-example]").forEach((button) => {
  button.addEventListener("click", () => {
    const tab = yasgui.getTab();
    tab.setQuery(examples[Number(button.dataset.example)].text);
    tab.query();
  });
});
