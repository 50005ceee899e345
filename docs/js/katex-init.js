// Render the \( \) and \[ \] spans that pymdownx.arithmatex (generic mode) writes, with the KaTeX
// copy in docs/js/katex (MIT licence there): the site needs no network to show equations.
document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {
    delimiters: [
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  });
});
