// The invitation link carries its token in the URL fragment (never sent to any server, so
// never in a log). Post it, and take it off the address bar and the history.
(function () {
  "use strict";
  var token = window.location.hash.replace(/^#/, "");
  if (!token) {
    return;
  }
  history.replaceState(null, "", window.location.pathname);
  document.getElementById("id_token").value = token;
  document.getElementById("invitation-paste").hidden = true;
  document.getElementById("invitation-opening").hidden = false;
  document.getElementById("invitation-open").submit();
})();
