// The book's own script (added to every page by book/_ext/convbook.py).
//
// pydata-sphinx-theme 0.17 renders a ☰ (.primary-toggle) and a contents (.secondary-toggle) button
// in its header, and sphinx-book-theme 1.3 renders its own pair in the article header. Both themes'
// scripts attach their click handlers to the *first* button of each class in the page: the header's,
// which the book theme hides. The visible buttons then did nothing, on a phone (no navigation at
// all) and on a desktop (☰ did not hide the sidebar). A click on any later button is handed to the
// first one, whose handlers do the right thing for the screen width: on a wide screen the book
// theme collapses the sidebar, on a narrow one the pydata theme opens it as a dialog.
(() => {
  if (window.convbookToggles) return; // once, even if the script were included twice
  window.convbookToggles = true;
  const wire = () => {
    for (const name of ["primary-toggle", "secondary-toggle"]) {
      const [first, ...others] = document.querySelectorAll(`button.${name}`);
      for (const button of others) {
        button.addEventListener("click", (event) => {
          event.preventDefault();
          event.stopPropagation();
          first.click();
        });
      }
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
