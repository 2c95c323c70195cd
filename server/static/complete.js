// Data-aware completion in the query editor (YASQE autocompleters) from this server's GET /complete:
// prefixes, classes and properties in use (most used first), and entities by label as you type in a term position.
// Suggestions reach CodeMirror as hint objects whose text is shown with textContent: nothing is parsed as HTML.
/* global Yasqe */
(function () {
  "use strict";

  async function fetchSuggestions(kind, q) {
    const url = new URL("/complete", location.href);
    url.search = new URLSearchParams({ kind, q, limit: "30" }).toString();
    const response = await fetch(url);
    if (!response.ok) return [];
    return (await response.json()).results;
  }

  // Writes a term where it was typed, as the query can write it: its prefixed name (then declaring the prefix if
  // the query lacks it, after the replacement, which would otherwise land a line too high), else <iri>.
  function insertTerm(yasqe, suggestion, from, to) {
    yasqe.replaceRange(suggestion.prefixed || "<" + suggestion.iri + ">", from, to, "complete");
    if (!suggestion.prefixed) return;
    const prefix = suggestion.prefixed.slice(0, suggestion.prefixed.indexOf(":"));
    const namespace = suggestion.iri.slice(0, suggestion.iri.length - (suggestion.prefixed.length - prefix.length - 1));
    if (!(prefix in yasqe.getPrefixesFromQuery())) yasqe.addPrefixes({ [prefix]: namespace });
  }

  // Completers return strings; the suggestion each string stands for is kept here for its hint.
  const shown = new Map();

  function termCompleter(base, name, kind) {
    return {
      name,
      autoShow: true,
      bulk: false,
      persistenceId: null,
      isValidCompletionPosition: Yasqe.Autocompleters[base].isValidCompletionPosition,
      preProcessToken: (yasqe, token) => token,
      get: async (yasqe, token) => {
        const typed = (token.string || "").trim().replace(/^</, "").replace(/>$/, "");
        if (!typed) return [];
        const results = await fetchSuggestions(kind, typed);
        return results.map((s) => {
          const key = s.prefixed || s.iri;
          shown.set(key, s);
          return key;
        });
      },
      postProcessSuggestion: (yasqe, token, key) => key,
      postprocessHints: (yasqe, hints) =>
        hints.map((hint) => {
          const s = shown.get(hint.text);
          return {
            ...hint,
            displayText: `${hint.text}  (${s.count})`,
            hint: (cm, data, completion) => insertTerm(yasqe, s, completion.from || data.from, completion.to || data.to),
          };
        }),
    };
  }

  // A bare word (letters, digits, - and _, no ":" or "?") of two or more characters where a term may stand.
  const BARE_WORD = /^[\p{L}\p{N}][\p{L}\p{N}_-]+$/u;

  const entityCompleter = {
    name: "kgEntities",
    autoShow: true,
    bulk: false,
    persistenceId: null,
    isValidCompletionPosition: (yasqe) => {
      const token = yasqe.getCompleteToken();
      const possible = token.state && token.state.possibleCurrent;
      return BARE_WORD.test(token.string) && !!possible && possible.indexOf("IRI_REF") >= 0;
    },
    get: async (yasqe, token) => {
      const results = await fetchSuggestions("entity", token.string);
      return results.map((s) => {
        const key = s.prefixed || s.iri;
        shown.set("entity " + key, s);
        return "entity " + key;
      });
    },
    postprocessHints: (yasqe, hints) =>
      hints.map((hint) => {
        const s = shown.get(hint.text);
        return {
          ...hint,
          text: s.prefixed || s.iri,
          displayText: `${s.label}${s.lang ? " @" + s.lang : ""}  ${s.prefixed || s.iri}  (${s.count})`,
          className: "kg-entity-hint",
          hint: (cm, data, completion) => insertTerm(yasqe, s, completion.from || data.from, completion.to || data.to),
        };
      }),
  };

  // The prefixes of this project (kg/iris.py), fetched once, instead of prefix.cc.
  Yasqe.forkAutocompleter("prefixes", {
    name: "kgPrefixes",
    persistenceId: null,
    get: async () => (await fetchSuggestions("prefix", "")).map((s) => `${s.prefixed.slice(0, -1)}: <${s.iri}>`),
  }, false);
  Yasqe.registerAutocompleter(termCompleter("class", "kgClasses", "class"), false);
  Yasqe.registerAutocompleter(termCompleter("property", "kgProperties", "property"), false);
  Yasqe.registerAutocompleter(entityCompleter, false);

  // The completers the editor uses: ours, and YASQE's own for variables (none of them leaves this server).
  window.kgAutocompleters = ["variables", "kgPrefixes", "kgClasses", "kgProperties", "kgEntities"];
})();
