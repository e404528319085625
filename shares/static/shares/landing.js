// The landing page hands the player its configuration in the iframe's URL fragment. A
// viewer's own data arrives in this page's fragment (never sent to any server) and is merged
// over the share's sample data, in memory only.
(function () {
  "use strict";
  function readFragment() {
    var raw = window.location.hash.slice(1);
    if (!raw) return null;
    try {
      var text = decodeURIComponent(raw);
      if (text.charAt(0) === "{") {
        var parsed = JSON.parse(text);
        return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : null;
      }
      var data = {};
      new URLSearchParams(raw).forEach(function (value, key) { data[key] = value; });
      return data;
    } catch (e) {
      return null;
    }
  }
  var configNode = document.getElementById("player-config");
  var frame = document.getElementById("player");
  if (!configNode || !frame) return;
  var config = JSON.parse(configNode.textContent);
  var own = readFragment();
  if (!own) return;
  config.data = Object.assign({}, config.data || {}, own);
  frame.src = "/player/#" + encodeURIComponent(JSON.stringify(config));
})();
