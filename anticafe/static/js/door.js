/* The door's scanner page: continuous QR decoding from the phone camera, a photo and a typed-code fallback,
   a big colour-coded answer with sound and vibration, live counters, manual search, walk-ins and undo.
   Everything goes through the JSON API with the browser session (window.anticafe.api). */
(function () {
  "use strict";

  var root = document.getElementById("door");
  if (!root) return;
  var T = JSON.parse(document.getElementById("door-strings").textContent);
  var api = window.anticafe.api;
  var $ = function (id) { return document.getElementById(id); };

  /* The same code seen again within this many milliseconds of the last sighting is one person still
     holding the ticket up: it is sent once, not every time the camera reads it. */
  var REPEAT_MS = 4000;
  /* A scan's answer that takes longer than this is decided on the phone instead (offline). */
  var SCAN_TIMEOUT_MS = 4000;
  var POLL_MS = 5000;
  var RETRIES = [600, 1500, 3000];

  var eventSelect = $("door-event");
  var eventId = eventSelect && eventSelect.value ? parseInt(eventSelect.value, 10) : null;
  /* A page kept by the service worker may be opened for another event than the one it was saved with. */
  var wanted = parseInt(new URLSearchParams(window.location.search).get("event") || "", 10);
  if (eventSelect && wanted && eventSelect.querySelector('option[value="' + wanted + '"]')) {
    eventSelect.value = String(wanted);
    eventId = wanted;
  }
  var offline = window.anticafeDoorOffline || null;

  function url(template, id) { return template.replace("__ID__", String(id)); }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] === undefined ? "" : values[key]; });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function hhmm(iso) { return iso ? iso.substr(11, 5) : ""; }
  function nowTime() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function nonce() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function personLine(user) {
    if (!user) return "";
    var line = user.name + ", " + (user.age === null || user.age === undefined ? T.noAge : fill(T.age, { age: user.age }));
    return user.warning ? line + " · ⚠ " + user.warning : line;
  }

  /* ---------------------------------------------------------------- the device's name */
  var deviceInput = $("door-device");
  var device = "";
  try { device = localStorage.getItem("anticafe.door.device") || ""; } catch (e) { device = ""; }
  if (!device) {
    device = root.dataset.defaultDevice + " " + (100 + Math.floor(Math.random() * 900));
    try { localStorage.setItem("anticafe.door.device", device); } catch (e) { /* private mode */ }
  }
  deviceInput.value = device;
  deviceInput.addEventListener("change", function () {
    device = deviceInput.value.trim().slice(0, 60) || device;
    deviceInput.value = device;
    try { localStorage.setItem("anticafe.door.device", device); } catch (e) { /* private mode */ }
  });

  /* ---------------------------------------------------------------- sound and vibration */
  var audio = null;
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      audio = audio || new Ctx();
      if (audio.state === "suspended") audio.resume();
    } catch (e) { audio = null; }
  }
  document.addEventListener("pointerdown", unlockAudio, { passive: true });
  document.addEventListener("keydown", unlockAudio);

  var SOUNDS = { ok: [[880, 0.12], [1320, 0.16]], warn: [[660, 0.12], [660, 0.12]], bad: [[196, 0.5]] };
  var VIBRATIONS = { ok: [80], warn: [80, 80, 80], bad: [350] };
  function signal(tone) {
    if (navigator.vibrate) { try { navigator.vibrate(VIBRATIONS[tone]); } catch (e) { /* not allowed */ } }
    if (!audio) unlockAudio();
    if (!audio) return;
    try {
      var t = audio.currentTime + 0.01;
      SOUNDS[tone].forEach(function (note) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = tone === "bad" ? "square" : "sine";
        osc.frequency.value = note[0];
        gain.gain.setValueAtTime(0.25, t);
        gain.gain.exponentialRampToValueAtTime(0.001, t + note[1]);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(t); osc.stop(t + note[1]);
        t += note[1] + 0.06;
      });
    } catch (e) { /* no sound: the colour still says it */ }
  }

  /* ---------------------------------------------------------------- the big answer */
  var resultBox = $("door-result");
  var offlineMark = $("door-result-offline");
  function show(tone, title, name, detail, eventLine, offline) {
    resultBox.className = "door-result " + tone;
    offlineMark.hidden = !offline;
    $("door-result-title").textContent = title;
    $("door-result-name").textContent = name || "";
    $("door-result-detail").textContent = detail || "";
    $("door-result-event").textContent = eventLine || "";
    $("door-result-time").textContent = nowTime();
    resultBox.classList.remove("flash");
    void resultBox.offsetWidth;  // restart the flash animation for a repeated answer
    resultBox.classList.add("flash");
  }
  function eventLine(ev) { return ev ? ev.title + " · " + ev.when : ""; }

  function showAnswer(response) {
    var data = response.data || {};
    if (response.ok) {
      var tone = T.tones[data.result] || "ok";
      if (tone === "ok" && data.user && data.user.warning) tone = "warn";  // e.g. no guardian's consent yet
      show(tone, T.results[data.result] || data.result, personLine(data.user), data.message, eventLine(data.event));
      signal(tone);
      return;
    }
    var error = data.error || {};
    if (!error.code) {
      show("bad", T.serverError, "", "", "");
    } else {
      var details = [error.message];
      Object.keys(error.fields || {}).forEach(function (name) { details = details.concat(error.fields[name]); });
      show("bad", T.results[error.code] || error.code, personLine(error.user), details.join(" "), eventLine(error.event));
    }
    signal("bad");
  }

  /* Send with a nonce; a network failure retries with the same nonce, so the server answers only once. */
  function send(method, target, body, attempt) {
    attempt = attempt || 0;
    return api(method, target, body).catch(function (err) {
      if (attempt >= RETRIES.length) throw err;
      $("door-result-detail").textContent = T.retrying;
      return new Promise(function (resolve) { setTimeout(resolve, RETRIES[attempt]); })
        .then(function () { return send(method, target, body, attempt + 1); });
    });
  }
  function networkFailed() {
    show("bad", T.networkError, "", "", "");
    signal("bad");
  }

  /* ---------------------------------------------------------------- scanning */
  /* Codes the camera saw lately (text -> last sighting); typed codes and photos are always sent. */
  var seen = {};
  var busy = {};
  function onCode(text, source, force) {
    text = (text || "").trim();
    if (!text) return;
    var now = Date.now();
    if (!force) {
      var previous = seen[text];
      seen[text] = now;  // still in front of the camera: wait until it has been away for a while
      Object.keys(seen).forEach(function (key) { if (now - seen[key] > REPEAT_MS) delete seen[key]; });
      if (previous && now - previous < REPEAT_MS) return;
    }
    if (busy[text]) return;
    busy[text] = true;
    var body = { code: text, nonce: nonce(), device: device, source: source };
    if (eventId) body.event_id = eventId;
    /* Without network (or when it does not answer in time) the phone decides; the same nonce makes the
       later upload harmless if the request did reach the server after all. */
    var asked = offline && navigator.onLine === false ? Promise.reject(new Error("offline"))
      : withTimeout(api("POST", root.dataset.checkinUrl, body), SCAN_TIMEOUT_MS);
    asked
      .then(function (response) {
        showAnswer(response);
        if (offline && response.ok) offline.learn(text, response.data);
        if (offline && response.status === 400) offline.refreshToken();  // a page kept from another session
        refresh();
      }, function () {
        if (!offline) { networkFailed(); return null; }
        return offline.decide(text, { eventId: eventId, nonce: body.nonce, device: device, source: source })
          .then(showOffline, networkFailed);
      })
      .then(function () {
        delete busy[text];
        if (!force) seen[text] = Date.now();
      });
  }

  function withTimeout(promise, ms) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
      promise.then(function (value) { clearTimeout(timer); resolve(value); },
                   function (error) { clearTimeout(timer); reject(error); });
    });
  }

  /* An answer decided on this phone: the same words and colours, and the «offline» mark. */
  function showOffline(decision) {
    var result = decision.result;
    var tone = T.tones[result] || "bad";
    var entry = decision.entry;
    var name = entry ? entry.name + ", " + (T.ageBands[entry.age_band] || entry.age_band) : "";
    var detail = "";
    if (result === "checked_in") detail = T.offlineAdmitted;
    else if (result === "already_checked_in") detail = fill(T.offlineAlready, { time: localTime(decision.checkedInAt) });
    else if (result === "wrong_event") detail = fill(T.offlineWrongEvent, { title: decision.list.event.title });
    else if (result === "unknown_code") detail = decision.noList ? T.offlineNoList : T.offlineUnknown;
    var ev = decision.list ? decision.list.event : null;
    show(tone, T.results[result] || result, name, detail, eventLine(ev), true);
    signal(tone === "ok" ? "ok" : tone === "warn" ? "warn" : "bad");
  }
  function localTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  var cameraStatus = $("door-camera-status");
  var toggle = $("door-camera-toggle");
  var video = $("door-video");
  var controls = null;
  var reader = window.ZXingBrowser ? new window.ZXingBrowser.BrowserQRCodeReader() : null;
  /* About one ticket QR in twenty holds, among its data, a run of modules the decoder takes for a corner
     mark: read upright, that picture never yields its code, though the same picture a quarter turn round
     does. A camera held still (and the test suite's fake camera) shows one picture frame after frame, so
     each scan attempt reads the frame at the next quarter turn: every orientation within four attempts
     (two seconds), at no extra cost per frame. */
  if (reader) {
    var upright = reader.decodeFromCanvas.bind(reader);
    var turned = document.createElement("canvas");
    var turn = 0;
    reader.decodeFromCanvas = function (canvas) {
      turn = (turn + 1) % 4;
      if (turn === 0) return upright(canvas);
      turned.width = turn % 2 ? canvas.height : canvas.width;
      turned.height = turn % 2 ? canvas.width : canvas.height;
      var context = turned.getContext("2d", { willReadFrequently: true });
      context.setTransform(1, 0, 0, 1, turned.width / 2, turned.height / 2);
      context.rotate(turn * Math.PI / 2);
      context.drawImage(canvas, -canvas.width / 2, -canvas.height / 2);
      return upright(turned);
    };
  }

  function startCamera() {
    if (!reader || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraStatus.textContent = T.cameraOff;
      toggle.classList.add("hidden");
      video.classList.add("hidden");
      return;
    }
    cameraStatus.textContent = T.cameraStarting;
    reader.decodeFromConstraints({ video: { facingMode: "environment" } }, video, function (result) {
      if (result) onCode(result.getText(), "camera", false);
    }).then(function (c) {
      controls = c;
      video.classList.remove("hidden");
      cameraStatus.textContent = T.cameraOn;
      toggle.textContent = T.cameraStop;
    }).catch(function () {
      controls = null;
      cameraStatus.textContent = T.cameraOff;
      video.classList.add("hidden");
      toggle.textContent = T.cameraStart;
    });
  }
  function stopCamera() {
    if (controls) controls.stop();
    controls = null;
    cameraStatus.textContent = T.cameraStopped;
    toggle.textContent = T.cameraStart;
  }
  toggle.addEventListener("click", function () { if (controls) stopCamera(); else startCamera(); });

  $("door-typed").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("door-code");
    onCode(input.value, "typed", true);
    input.value = "";
    input.focus();
  });

  $("door-photo").addEventListener("change", function (e) {
    var file = e.target.files && e.target.files[0];
    if (!file) return;
    var imageReader = window.ZXingBrowser ? new window.ZXingBrowser.BrowserQRCodeReader() : null;
    if (!imageReader) { show("bad", T.results.unknown_code, "", T.photoNoCode, ""); return; }
    var objectUrl = URL.createObjectURL(file);
    imageReader.decodeFromImageUrl(objectUrl)
      .then(function (result) { onCode(result.getText(), "photo", true); })
      .catch(function () { show("bad", T.results.unknown_code, "", T.photoNoCode, ""); signal("bad"); })
      .then(function () { URL.revokeObjectURL(objectUrl); e.target.value = ""; });
  });

  /* ---------------------------------------------------------------- live counters and the latest check-ins */
  function undo(checkinId) {
    if (!window.confirm(T.undoConfirm)) return;
    send("DELETE", url(root.dataset.undoUrl, checkinId), { device: device })
      .then(function (response) { showAnswer(response); refresh(); searchAttendees(); })
      .catch(networkFailed);
  }

  function checkinItem(row) {
    var li = el("li", row.undone_at ? "undone" : "");
    var text = el("span", "door-list-main", hhmm(row.checked_in_at) + " · " + personLine(row.user));
    li.appendChild(text);
    var meta = [];
    if (row.checked_in_by) meta.push(fill(T.by, { name: row.checked_in_by }));
    if (row.device) meta.push(row.device);
    if (row.walk_in) meta.push(T.walkIn);
    if (row.undone_at) meta.push(T.undone + " " + hhmm(row.undone_at));
    li.appendChild(el("small", "muted", meta.join(" · ")));
    if (!row.undone_at) {
      var button = el("button", "secondary outline small", T.undo);
      button.type = "button";
      button.addEventListener("click", function () { undo(row.id); });
      li.appendChild(button);
    }
    return li;
  }

  var polling = null;
  function refresh() {
    if (!eventId) return;
    var target = url(root.dataset.attendanceUrl, eventId) + "?limit=10";
    api("GET", target).then(function (response) {
      if (!response.ok) return;
      var d = response.data;
      $("count-checked-in").textContent = d.checked_in;
      $("count-confirmed").textContent = d.confirmed;
      $("count-capacity").textContent = d.capacity === null ? "∞" : d.capacity;
      $("count-inside").textContent = d.inside_now + " / " + d.venue_capacity;
      var list = $("door-recent");
      list.textContent = "";
      if (!d.checkins.length) list.appendChild(el("li", "muted", T.nobodyYet));
      d.checkins.forEach(function (row) { list.appendChild(checkinItem(row)); });
    }).catch(function () { /* the next poll tries again */ });
  }
  function startPolling() {
    if (polling) clearInterval(polling);
    refresh();
    polling = setInterval(function () { if (!document.hidden) refresh(); }, POLL_MS);
  }

  if (eventSelect) {
    eventSelect.addEventListener("change", function () {
      eventId = eventSelect.value ? parseInt(eventSelect.value, 10) : null;
      seen = {};
      var params = new URLSearchParams(window.location.search);
      if (eventId) params.set("event", eventId); else params.delete("event");
      window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
      $("door-attendance-link").href = eventId ? url(root.dataset.attendancePage, eventId) : "#";
      $("door-log-link").href = root.dataset.logPage + (eventId ? "?event=" + eventId : "");
      startPolling();
      searchAttendees();
    });
  }

  /* ---------------------------------------------------------------- manual search */
  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function manualCheckIn(registrationId) {
    send("POST", root.dataset.manualUrl, { registration_id: registrationId, nonce: nonce(), device: device })
      .then(function (response) { showAnswer(response); refresh(); searchAttendees(); })
      .catch(networkFailed);
  }

  function searchAttendees() {
    var input = $("door-search");
    var list = $("door-search-results");
    if (!eventId || !input.value.trim()) { list.textContent = ""; return; }
    var target = url(root.dataset.attendeesUrl, eventId) + "?q=" + encodeURIComponent(input.value.trim());
    api("GET", target).then(function (response) {
      list.textContent = "";
      if (!response.ok) return;
      if (!response.data.items.length) { list.appendChild(el("li", "muted", T.nothingFound)); return; }
      response.data.items.forEach(function (item) {
        var li = el("li");
        li.appendChild(el("span", "door-list-main", personLine(item.user)));
        var meta = [T.statuses[item.registration.status] || item.registration.status];
        if (item.phone) meta.push(item.phone);
        if (item.checked_in_at) meta.push(fill(T.checkedInAt, { time: hhmm(item.checked_in_at) }));
        li.appendChild(el("small", "muted", meta.join(" · ")));
        var button;
        if (item.checkin_id) {
          button = el("button", "secondary outline small", T.undo);
          button.addEventListener("click", function () { undo(item.checkin_id); });
        } else if (item.registration.status === "confirmed") {
          button = el("button", "small", T.checkIn);
          button.addEventListener("click", function () { manualCheckIn(item.registration.id); });
        } else if (item.registration.status === "waitlisted") {
          button = el("button", "small contrast", T.letIn);
          button.addEventListener("click", function () { walkIn({ user_id: item.user.id }); });
        }
        if (button) { button.type = "button"; li.appendChild(button); }
        list.appendChild(li);
      });
    }).catch(function () { /* typing again retries */ });
  }
  $("door-search").addEventListener("input", debounce(searchAttendees, 250));

  /* ---------------------------------------------------------------- walk-ins */
  var pendingWalkIn = null;
  var overrideBox = $("door-override");

  function walkIn(body) {
    if (!eventId) return;
    var payload = Object.assign({ nonce: nonce(), device: device }, body);
    send("POST", url(root.dataset.walkinUrl, eventId), payload).then(function (response) {
      showAnswer(response);
      var error = response.data && response.data.error;
      if (!response.ok && error && error.override_allowed) {
        pendingWalkIn = body;
        $("door-override-message").textContent = error.message;
        overrideBox.classList.remove("hidden");
        $("door-walkin-panel").open = true;
        $("door-override-reason").focus();
        return;
      }
      if (response.ok) {
        pendingWalkIn = null;
        overrideBox.classList.add("hidden");
        $("door-override-reason").value = "";
        $("door-walkin").reset();
        $("door-people").value = "";
        $("door-people-results").textContent = "";
      }
      refresh();
      searchAttendees();
    }).catch(networkFailed);
  }

  $("door-walkin").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    var body = { name: form.elements.name.value.trim() };
    if (form.elements.phone.value.trim()) body.phone = form.elements.phone.value.trim();
    if (form.elements.birth_date.value) body.birth_date = form.elements.birth_date.value;
    walkIn(body);
  });
  $("door-override-go").addEventListener("click", function () {
    var reason = $("door-override-reason").value.trim();
    if (!reason) { $("door-override-message").textContent = T.reasonRequired; return; }
    if (pendingWalkIn) walkIn(Object.assign({}, pendingWalkIn, { override_reason: reason }));
  });
  $("door-override-cancel").addEventListener("click", function () {
    pendingWalkIn = null;
    overrideBox.classList.add("hidden");
  });

  function searchPeople() {
    var input = $("door-people");
    var list = $("door-people-results");
    var q = input.value.trim();
    if (!q) { list.textContent = ""; return; }
    var target = root.dataset.peopleUrl + "?q=" + encodeURIComponent(q) + (eventId ? "&event_id=" + eventId : "");
    api("GET", target).then(function (response) {
      list.textContent = "";
      if (!response.ok) return;
      if (!response.data.items.length) { list.appendChild(el("li", "muted", T.nothingFound)); return; }
      response.data.items.forEach(function (person) {
        var li = el("li");
        li.appendChild(el("span", "door-list-main", personLine(person)));
        var meta = [];
        if (person.phone) meta.push(person.phone);
        if (person.email) meta.push(person.email);
        if (person.registration) meta.push(T.statuses[person.registration.status] || person.registration.status);
        li.appendChild(el("small", "muted", meta.join(" · ")));
        var button = el("button", "small", person.registration && person.registration.status === "confirmed" ? T.checkIn : T.letIn);
        button.type = "button";
        button.addEventListener("click", function () { walkIn({ user_id: person.id }); });
        li.appendChild(button);
        list.appendChild(li);
      });
    }).catch(function () { /* typing again retries */ });
  }
  $("door-people").addEventListener("input", debounce(searchPeople, 250));

  /* ---------------------------------------------------------------- offline: the list, the queue, the counter */
  function showOfflineState(state) {
    $("door-offline-waiting").textContent = fill(T.waiting, { n: state.waiting });
    var list = eventId ? state.lists[eventId] : null;
    $("door-offline-refreshed").textContent = list ? fill(T.refreshedAt, { time: localTime(list.fetchedAt) }) : T.neverRefreshed;
    var warnings = [];
    if (list && Date.now() >= Date.parse(list.event.starts_at) && Date.parse(list.fetchedAt) < Date.parse(list.event.starts_at)) {
      warnings.push(T.listOld);
    }
    if (state.sessionExpired) warnings.push(T.sessionExpired);
    if (state.conflicts) warnings.push(fill(T.uploadConflicts, { n: state.conflicts }));
    var box = $("door-offline-warning");
    box.textContent = warnings.join(" ");
    box.hidden = !warnings.length;
    $("door-offline").classList.toggle("waiting", state.waiting > 0);
  }

  /* ---------------------------------------------------------------- go */
  startCamera();
  startPolling();
  if (offline) {
    offline.onChange(showOfflineState);
    offline.start({
      api: api, listUrl: root.dataset.offlineListUrl, checkinUrl: root.dataset.checkinUrl,
      workerUrl: root.dataset.workerUrl, workerScope: root.dataset.workerScope,
      eventIds: function () {
        return Array.prototype.map.call(eventSelect ? eventSelect.options : [], function (o) { return parseInt(o.value, 10); })
          .filter(function (id) { return id > 0; });
      }
    });
    if (eventSelect) eventSelect.addEventListener("change", function () { showOfflineState(offline.state); });
  }
})();
