// The landing page hands the player its configuration in the iframe's URL fragment. A
// viewer's own data arrives in this page's fragment (never sent to any server) and is merged
// over the share's sample data, in memory only. The page's Pause/Play and Replay buttons
// drive the player (a sandboxed frame) with postMessage; the player reports its state back.
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

  var toggle = document.getElementById("toggle");
  var replay = document.getElementById("replay");
  var playing = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function show() {
    if (!toggle) return;
    toggle.textContent = playing ? toggle.dataset.pause : toggle.dataset.play;
    toggle.setAttribute("aria-pressed", playing ? "false" : "true");
  }
  function send(type) {
    // The sandboxed player has an opaque origin: "*" is the only target that reaches it.
    // Commands carry no data.
    if (frame.contentWindow) frame.contentWindow.postMessage({ type: type }, "*");
  }
  if (toggle) toggle.addEventListener("click", function () {
    playing = !playing;
    send(playing ? "PLAY" : "PAUSE");
    show();
  });
  if (replay) replay.addEventListener("click", function () {
    playing = true;
    send("REPLAY");
    show();
  });
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) return;
    var message = event.data;
    if (message && message.type === "STATE") {
      playing = Boolean(message.playing);
      show();
    }
  });
  show();

  // One navigation of the frame: the server's configuration, or it with the viewer's data.
  var own = readFragment();
  if (!own) {
    frame.src = frame.dataset.src;
    return;
  }
  var config = JSON.parse(configNode.textContent);
  config.data = Object.assign({}, config.data || {}, own);
  frame.src = "/player/#" + encodeURIComponent(JSON.stringify(config));
})();
