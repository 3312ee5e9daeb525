/* Registry pages: let htmx show refusals and field errors instead of dropping them. */
(function () {
  "use strict";
  // Reveal and comparison answer 400 (field errors) and 403 (refused, with the reason)
  // with a fragment carrying the Chinese message: swap it in like a success.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 403) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
