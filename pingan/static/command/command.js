/* Command-centre behaviour: let htmx swap refusals in, and the dispatch dialog. */
(function () {
  "use strict";
  // The action endpoint answers 400 (field errors) and 409 (not allowed now / conflict)
  // with the refreshed panel carrying the Chinese message: show it instead of dropping it.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && dialog.showModal) {
        if (dialog.open) dialog.close();
        dialog.showModal();
      }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      var parent = closer.closest("dialog");
      if (parent) parent.close();
    }
  });
})();
