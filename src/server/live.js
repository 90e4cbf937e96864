// Injected by `hindsight serve` only (never by `build`): reloads the page when the archive
// changes and shows build errors over the page until they are fixed.
(function () {
  var events = new EventSource("/__hindsight/events");
  events.addEventListener("reload", function () { location.reload(); });
  events.addEventListener("overlay", function (e) {
    var old = document.getElementById("hindsight-overlay");
    if (old) old.remove();
    document.body.insertAdjacentHTML("beforeend", e.data);
  });
})();
