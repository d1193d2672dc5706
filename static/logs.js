// Niro log viewer. Opens a stream through the JSON API (POST), reads it over SSE with fetch (so the
// Last-Event-ID sent on a reconnect is ours and every seq is accounted for), and renders each line as
// text: textContent only, never innerHTML — markup, hx-* attributes, javascript: URLs and SSE framing
// inside log lines are just characters. ANSI colour codes (SGR) become spans with classes; other escape
// sequences are dropped. The DOM keeps the last MAX_LINES lines so a chatty pod never freezes the tab.
(function () {
  'use strict';

  var MAX_LINES = 5000;
  var RETRY_FIRST_MS = 500;
  var RETRY_CAP_MS = 10000;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = meta ? meta.content : '';

  // ── ANSI ──────────────────────────────────────────────────────────────────────────────────────────
  // CSI sequences (ESC [ params letter) and OSC sequences (ESC ] … BEL or ESC \); only SGR (…m) is kept.
  var ESCAPES = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;

  function applySgr(st, params) {
    var codes = params === '' ? [0] : params.split(/[;:]/).map(function (n) { return n === '' ? 0 : parseInt(n, 10); });
    for (var i = 0; i < codes.length; i++) {
      var c = codes[i];
      if (c === 0) { st.fg = -1; st.bg = -1; st.bold = st.dim = st.italic = st.under = false; }
      else if (c === 1) st.bold = true;
      else if (c === 2) st.dim = true;
      else if (c === 3) st.italic = true;
      else if (c === 4) st.under = true;
      else if (c === 22) st.bold = st.dim = false;
      else if (c === 23) st.italic = false;
      else if (c === 24) st.under = false;
      else if (c >= 30 && c <= 37) st.fg = c - 30;
      else if (c >= 90 && c <= 97) st.fg = c - 90 + 8;
      else if (c === 39) st.fg = -1;
      else if (c >= 40 && c <= 47) st.bg = c - 40;
      else if (c >= 100 && c <= 107) st.bg = c - 100 + 8;
      else if (c === 49) st.bg = -1;
      else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
        var n = codes[i + 2];
        if (n >= 0 && n < 16) { if (c === 38) st.fg = n; else st.bg = n; }
        i += 2;
      } else if ((c === 38 || c === 48) && codes[i + 1] === 2) i += 4;
    }
  }

  function classOf(st) {
    var cls = [];
    if (st.fg >= 0) cls.push('ansi-fg-' + st.fg);
    if (st.bg >= 0) cls.push('ansi-bg-' + st.bg);
    if (st.bold) cls.push('ansi-bold');
    if (st.dim) cls.push('ansi-dim');
    if (st.italic) cls.push('ansi-italic');
    if (st.under) cls.push('ansi-under');
    return cls.join(' ');
  }

  /** Text → [{t: text, c: classes}] with escape sequences removed. */
  function parseAnsi(text) {
    if (text.indexOf('\x1b') === -1) return [{ t: text, c: '' }];
    var out = [];
    var st = { fg: -1, bg: -1, bold: false, dim: false, italic: false, under: false };
    var last = 0;
    ESCAPES.lastIndex = 0;
    var m;
    while ((m = ESCAPES.exec(text)) !== null) {
      if (m.index > last) out.push({ t: text.slice(last, m.index), c: classOf(st) });
      if (m[2] === 'm') applySgr(st, m[1]);
      last = ESCAPES.lastIndex;
      if (m[0].length === 0) ESCAPES.lastIndex++;
    }
    if (last < text.length) out.push({ t: text.slice(last), c: classOf(st) });
    return out;
  }

  function plainOf(text) {
    return text.indexOf('\x1b') === -1 ? text : text.replace(ESCAPES, '');
  }

  // ── SSE ───────────────────────────────────────────────────────────────────────────────────────────
  function sseParser(emit) {
    var buf = '';
    var data = [];
    var event = '';
    var id = null;
    return function (chunk) {
      buf += chunk;
      var nl;
      while ((nl = buf.search(/\r\n|\r|\n/)) !== -1) {
        var sep = buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1;
        if (buf[nl] === '\r' && nl + 1 === buf.length) break; // maybe the first half of \r\n
        var line = buf.slice(0, nl);
        buf = buf.slice(nl + sep);
        if (line === '') {
          if (data.length || event) emit({ event: event || 'message', id: id, data: data.join('\n') });
          data = [];
          event = '';
          id = null;
          continue;
        }
        if (line[0] === ':') continue;
        var colon = line.indexOf(':');
        var field = colon === -1 ? line : line.slice(0, colon);
        var value = colon === -1 ? '' : line.slice(colon + 1);
        if (value[0] === ' ') value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') id = value;
      }
    };
  }

  function call(method, url, body, keepalive) {
    var headers = { 'X-CSRF-Token': CSRF, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(url, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', keepalive: !!keepalive });
  }

  function errorText(res, json) {
    if (json && json.error && typeof json.error.message === 'string') return json.error.message;
    return 'HTTP ' + res.status;
  }

  var TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z /;

  function registerViewer() {
    window.Alpine.data('logViewer', function () {
      // Non-reactive state: thousands of lines must not go through Alpine's proxies.
      var s = {
        cfg: null, pane: null, box: null, lines: [], queued: [], held: [], heldDropped: 0, frame: 0,
        streamUrl: null, deleteUrl: null, lastId: null, gen: 0, ctrl: null, attempts: 0, ended: false,
        lastSeq: {}, members: {}, term: '', matches: [], matchIndex: -1, refreshTimer: 0,
      };

      return {
        state: 'connecting', reason: '', container: '', follow: true, tailLines: '500', since: '', previous: false,
        timestamps: false, wrap: false, filter: '', regex: false, paused: false, buffered: 0, copied: false,
        search: '', searchLabel: '', matchCount: 0, lineCount: 0, droppedOld: 0, maxLines: MAX_LINES,
        stick: true, pendingBelow: 0,

        get stateLabel() {
          if (this.state === 'live') return 'live';
          if (this.state === 'waiting') return 'waiting for the cluster’s agent…';
          if (this.state === 'reconnecting') return 'reconnecting…';
          if (this.state === 'ended') return 'ended' + (this.reason ? ': ' + this.reason : '');
          return 'connecting…';
        },
        get countLabel() {
          return this.lineCount + (this.lineCount === 1 ? ' line' : ' lines');
        },
        // Labels with numbers in them live here, not in the markup: Alpine's CSP build reads no template literals.
        get pauseLabel() {
          return this.paused ? 'Resume (' + this.buffered + ' new)' : 'Pause';
        },
        get droppedLabel() {
          return this.droppedOld + ' older lines dropped: the view keeps the last ' + this.maxLines + '. Download or narrow with Since/Tail to see them.';
        },
        get latestLabel() {
          return this.pendingBelow ? '↓ Latest (' + this.pendingBelow + ' new)' : '↓ Latest';
        },
        get hasPrevious() {
          if (!s.cfg || s.cfg.mode !== 'pod') return false;
          var name = this.container;
          var c = s.cfg.containers.filter(function (x) { return x.name === name; })[0];
          return !!c && (c.restarts > 0 || !!c.lastTerminationReason || this.previous);
        },

        init: function () {
          var self = this;
          s.cfg = JSON.parse(this.$el.dataset.config);
          s.pane = this.$refs.pane;
          s.box = this.$el.querySelector('#log-lines');
          this.follow = s.cfg.follow;
          this.tailLines = String(s.cfg.tailLines);
          this.timestamps = s.cfg.timestamps;
          if (s.cfg.mode === 'pod') {
            this.container = s.cfg.container;
            this.previous = s.cfg.previous;
          }
          // Leaving the page stops the stream at once (the server would also end it once nobody watches).
          window.addEventListener('pagehide', function () {
            if (s.deleteUrl && !s.ended) call('DELETE', s.deleteUrl, undefined, true).catch(function () {});
          });
          this.restart();
          void self;
        },

        // ── stream lifecycle ──
        restart: function () {
          var self = this;
          this.disconnect();
          if (s.deleteUrl && !s.ended) call('DELETE', s.deleteUrl).catch(function () {});
          s.deleteUrl = null;
          s.streamUrl = null;
          s.lastId = null;
          s.lastSeq = {};
          s.members = {};
          s.ended = false;
          this.clearView();
          this.setState('connecting', '');
          var body = {
            follow: !!this.follow,
            timestamps: !!this.timestamps,
          };
          var tail = parseInt(this.tailLines, 10);
          if (!isNaN(tail) && tail >= 0) body.tailLines = Math.min(tail, 100000);
          if (this.since) body.sinceSeconds = parseInt(this.since, 10);
          if (this.filter) body.filter = { pattern: this.filter, regex: !!this.regex };
          var url;
          var cfg = s.cfg;
          if (cfg.mode === 'pod') {
            body.container = this.container;
            body.previous = !!this.previous;
            url = '/v1/clusters/' + encodeURIComponent(cfg.clusterId) + '/pods/' + encodeURIComponent(cfg.namespace) + '/' + encodeURIComponent(cfg.pod) + '/logs';
          } else {
            body.ownerKind = cfg.ownerKind;
            body.ownerName = cfg.ownerName;
            if (cfg.namespace) body.namespace = cfg.namespace;
            if (cfg.clusterIds.length) body.clusterIds = cfg.clusterIds;
            if (cfg.container) body.container = cfg.container;
            url = '/v1/tails';
          }
          var gen = s.gen;
          call('POST', url, body)
            .then(function (res) {
              return res.json().catch(function () { return null; }).then(function (json) {
                if (gen !== s.gen) {
                  // Replaced while it was being opened: nobody will watch it, so stop it now.
                  if (res.ok && json) call('DELETE', json.streamId ? '/v1/streams/' + json.streamId : '/v1/tails/' + json.tailId).catch(function () {});
                  return;
                }
                if (!res.ok) {
                  s.ended = true;
                  self.addEntry({ kind: 'end', text: errorText(res, json) });
                  self.setState('ended', errorText(res, json));
                  return;
                }
                if (cfg.mode === 'pod') {
                  s.streamUrl = '/v1/streams/' + json.streamId;
                  s.deleteUrl = s.streamUrl;
                } else {
                  s.streamUrl = '/v1/tails/' + json.tailId;
                  s.deleteUrl = s.streamUrl;
                  self.scheduleRefresh(json.tailId);
                }
                self.connect();
              });
            })
            .catch(function (e) {
              if (gen !== s.gen) return;
              self.setState('ended', 'could not open the stream: ' + e.message);
            });
        },

        scheduleRefresh: function (tailId) {
          var self = this;
          clearInterval(s.refreshTimer);
          // New pods of the workload join the tail: the server looks at the inventory when asked.
          s.refreshTimer = setInterval(function () {
            if (s.ended || document.hidden) return;
            call('POST', '/v1/tails/' + tailId + '/refresh', {}).catch(function () {});
          }, 10000);
          void self;
        },

        disconnect: function () {
          s.gen++;
          if (s.ctrl) s.ctrl.abort();
          s.ctrl = null;
          clearInterval(s.refreshTimer);
        },

        connect: function () {
          var self = this;
          var gen = s.gen;
          var ctrl = new AbortController();
          s.ctrl = ctrl;
          var headers = { accept: 'text/event-stream' };
          if (s.lastId) headers['last-event-id'] = s.lastId;
          fetch(s.streamUrl, { headers: headers, signal: ctrl.signal, credentials: 'same-origin', cache: 'no-store' })
            .then(function (res) {
              if (gen !== s.gen) return;
              if (res.status === 401 || res.status === 403 || res.status === 404) {
                s.ended = true;
                self.setState('ended', res.status === 404 ? 'the stream is gone' : 'signed out');
                return;
              }
              if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
              var reader = res.body.getReader();
              var decoder = new TextDecoder();
              var parse = sseParser(function (evt) {
                if (gen !== s.gen) return;
                s.attempts = 0;
                self.onEvent(evt);
              });
              var pump = function () {
                return reader.read().then(function (r) {
                  if (gen !== s.gen) return;
                  if (r.done) return self.lost();
                  parse(decoder.decode(r.value, { stream: true }));
                  return pump();
                });
              };
              return pump();
            })
            .catch(function () {
              if (gen === s.gen) self.lost();
            });
        },

        /** The response ended without an end event: the replica went away. Reconnect with Last-Event-ID. */
        lost: function () {
          var self = this;
          if (s.ended) return;
          this.setState('reconnecting', '');
          var wait = Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * Math.pow(2, s.attempts++));
          wait = wait / 2 + Math.random() * wait / 2;
          var gen = s.gen;
          setTimeout(function () {
            if (gen === s.gen && !s.ended) self.connect();
          }, wait);
        },

        stop: function () {
          if (s.deleteUrl && !s.ended) call('DELETE', s.deleteUrl).catch(function () {});
        },

        onEvent: function (evt) {
          var d;
          try {
            d = JSON.parse(evt.data);
          } catch (e) {
            return;
          }
          if (evt.id !== null) s.lastId = evt.id;
          var m = d.m === undefined ? '' : d.m;
          var member = s.members[m];
          var prefix = member ? member.prefix : '';
          if (evt.event === 'state') {
            if (!s.ended) this.setState(d.state === 'waiting' ? 'waiting' : 'live', '');
          } else if (evt.event === 'member') {
            if (s.members[d.m]) return; // announced again after a reconnect
            s.members[d.m] = { prefix: d.cluster + '/' + d.pod + (d.container ? ':' + d.container : ''), color: Object.keys(s.members).length % 8 };
            this.addEntry({ kind: 'note', text: 'joined the tail', m: d.m, prefix: s.members[d.m].prefix });
          } else if (evt.event === 'lines') {
            var last = s.lastSeq[m] || 0;
            for (var i = 0; i < d.items.length; i++) {
              var seq = d.seq + i;
              if (seq <= last) continue; // already shown (a reconnect overlapping what arrived)
              var item = d.items[i];
              if (typeof item === 'string') this.addEntry({ kind: 'line', text: item, seq: seq, m: m, prefix: prefix });
              else this.addEntry({ kind: 'note', text: item.note, seq: seq, m: m, prefix: prefix });
              last = seq;
            }
            s.lastSeq[m] = last;
          } else if (evt.event === 'gap') {
            s.lastSeq[m] = Math.max(s.lastSeq[m] || 0, d.to);
            this.addEntry({ kind: 'gap', text: (d.to - d.from + 1) + ' lines missing: ' + d.reason, m: m, prefix: prefix });
          } else if (evt.event === 'end') {
            if (d.m !== undefined) {
              s.lastSeq[m] = Math.max(s.lastSeq[m] || 0, d.seq);
              this.addEntry({ kind: 'note', text: 'stream ended: ' + d.reason, m: m, prefix: prefix });
              return;
            }
            s.ended = true;
            this.addEntry({ kind: 'end', text: 'stream ended: ' + d.reason });
            this.setState('ended', d.reason);
            this.disconnect();
          }
        },

        setState: function (state, reason) {
          this.state = state;
          this.reason = reason;
        },

        // ── lines ──
        addEntry: function (entry) {
          entry.plain = entry.kind === 'line' ? plainOf(entry.text) : entry.text;
          if (this.paused && entry.kind === 'line') {
            s.held.push(entry);
            if (s.held.length > MAX_LINES) {
              s.held.shift();
              s.heldDropped++;
            }
            this.buffered = s.held.length + s.heldDropped;
            return;
          }
          s.queued.push(entry);
          this.schedule();
        },

        schedule: function () {
          var self = this;
          if (s.frame) return;
          s.frame = requestAnimationFrame(function () {
            s.frame = 0;
            self.flush();
          });
        },

        flush: function () {
          if (s.queued.length === 0) return;
          var batch = s.queued;
          s.queued = [];
          if (batch.length > MAX_LINES) {
            this.droppedOld += batch.length - MAX_LINES;
            batch = batch.slice(batch.length - MAX_LINES);
          }
          var frag = document.createDocumentFragment();
          for (var i = 0; i < batch.length; i++) {
            batch[i].el = this.render(batch[i]);
            frag.appendChild(batch[i].el);
            s.lines.push(batch[i]);
          }
          s.box.appendChild(frag);
          var excess = s.lines.length - MAX_LINES;
          if (excess > 0) {
            var gone = s.lines.splice(0, excess);
            for (var j = 0; j < gone.length; j++) gone[j].el.remove();
            this.droppedOld += excess;
          }
          this.lineCount = s.lines.length;
          if (s.term) this.collectMatches(false);
          if (this.stick) s.pane.scrollTop = s.pane.scrollHeight;
          else this.pendingBelow += batch.length;
        },

        render: function (entry) {
          var div = document.createElement('div');
          div.className = 'log-line' + (entry.kind === 'line' ? '' : ' log-' + entry.kind);
          if (entry.seq !== undefined) div.dataset.seq = String(entry.seq);
          this.fill(div, entry);
          return div;
        },

        /** The line's content as text nodes and spans; search matches wrapped in <mark>. */
        fill: function (div, entry) {
          while (div.firstChild) div.removeChild(div.firstChild);
          if (entry.prefix) {
            var p = document.createElement('span');
            var owner = s.members[entry.m];
            p.className = 'log-prefix member-' + (owner ? owner.color : 0);
            p.textContent = entry.prefix;
            div.appendChild(p);
          }
          var segments = entry.kind === 'line' ? parseAnsi(entry.text) : [{ t: entry.text, c: '' }];
          if (entry.kind === 'line' && this.timestamps && segments[0] && TIMESTAMP.test(segments[0].t)) {
            var stamp = TIMESTAMP.exec(segments[0].t)[0];
            var ts = document.createElement('span');
            ts.className = 'log-ts';
            ts.textContent = stamp;
            div.appendChild(ts);
            segments[0] = { t: segments[0].t.slice(stamp.length), c: segments[0].c };
          }
          var term = s.term;
          for (var i = 0; i < segments.length; i++) {
            var seg = segments[i];
            var host = div;
            if (seg.c) {
              host = document.createElement('span');
              host.className = seg.c;
              div.appendChild(host);
            }
            if (!term) {
              host.appendChild(document.createTextNode(seg.t));
              continue;
            }
            var lower = seg.t.toLowerCase();
            var at = 0;
            var k;
            while ((k = lower.indexOf(term, at)) !== -1) {
              if (k > at) host.appendChild(document.createTextNode(seg.t.slice(at, k)));
              var mark = document.createElement('mark');
              mark.textContent = seg.t.slice(k, k + term.length);
              host.appendChild(mark);
              at = k + term.length;
            }
            if (at < seg.t.length) host.appendChild(document.createTextNode(seg.t.slice(at)));
          }
          entry.marked = !!term && entry.plain.toLowerCase().indexOf(term) !== -1;
        },

        // ── toolbar ──
        togglePause: function () {
          this.paused = !this.paused;
          if (this.paused) return;
          if (s.heldDropped > 0) this.addEntry({ kind: 'gap', text: s.heldDropped + ' lines dropped while paused (the pause buffer keeps ' + MAX_LINES + ')' });
          for (var i = 0; i < s.held.length; i++) s.queued.push(s.held[i]);
          s.held = [];
          s.heldDropped = 0;
          this.buffered = 0;
          this.schedule();
        },

        togglePrevious: function () {
          this.previous = !this.previous;
          this.follow = !this.previous;
          this.restart();
        },

        clearView: function () {
          s.lines = [];
          s.queued = [];
          s.held = [];
          s.heldDropped = 0;
          s.matches = [];
          s.matchIndex = -1;
          if (s.box) while (s.box.firstChild) s.box.removeChild(s.box.firstChild);
          this.buffered = 0;
          this.lineCount = 0;
          this.droppedOld = 0;
          this.pendingBelow = 0;
          this.matchCount = 0;
          this.searchLabel = '';
        },

        bufferText: function () {
          return s.lines.map(function (e) { return (e.prefix ? e.prefix + ' ' : '') + (e.kind === 'line' ? e.plain : '# ' + e.plain); }).join('\n') + '\n';
        },

        copyAll: function () {
          var self = this;
          var text = this.bufferText();
          var done = function () {
            self.copied = true;
            setTimeout(function () { self.copied = false; }, 1500);
          };
          if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(text).then(done, function () {});
            return;
          }
          var area = document.createElement('textarea');
          area.value = text;
          area.setAttribute('readonly', '');
          area.style.position = 'fixed';
          area.style.opacity = '0';
          document.body.appendChild(area);
          area.select();
          try {
            document.execCommand('copy');
            done();
          } catch (e) {}
          area.remove();
        },

        download: function () {
          var cfg = s.cfg;
          var name = cfg.mode === 'pod' ? cfg.pod + '-' + this.container : cfg.ownerName;
          var blob = new Blob([this.bufferText()], { type: 'text/plain;charset=utf-8' });
          var a = document.createElement('a');
          a.href = URL.createObjectURL(blob);
          a.download = name.replace(/[^A-Za-z0-9._-]+/g, '_') + '.log';
          document.body.appendChild(a);
          a.click();
          setTimeout(function () {
            URL.revokeObjectURL(a.href);
            a.remove();
          }, 1000);
        },

        onScroll: function () {
          var p = s.pane;
          var atBottom = p.scrollHeight - p.scrollTop - p.clientHeight < 40;
          if (atBottom !== this.stick) this.stick = atBottom;
          if (atBottom) this.pendingBelow = 0;
        },

        toLatest: function () {
          this.stick = true;
          this.pendingBelow = 0;
          s.pane.scrollTop = s.pane.scrollHeight;
        },

        // ── search ──
        runSearch: function () {
          s.term = this.search.toLowerCase();
          for (var i = 0; i < s.lines.length; i++) {
            var e = s.lines[i];
            var has = !!s.term && e.plain.toLowerCase().indexOf(s.term) !== -1;
            if (has || e.marked) this.fill(e.el, e);
          }
          this.collectMatches(true);
        },

        collectMatches: function (jumpToLast) {
          if (!s.term) {
            s.matches = [];
            s.matchIndex = -1;
            this.matchCount = 0;
            this.searchLabel = '';
            return;
          }
          var current = s.matches[s.matchIndex];
          // Lines that arrived since the last search get their highlight too.
          for (var i = 0; i < s.lines.length; i++) {
            var e = s.lines[i];
            if (!e.marked && e.plain.toLowerCase().indexOf(s.term) !== -1) this.fill(e.el, e);
          }
          s.matches = Array.prototype.slice.call(s.box.querySelectorAll('mark'));
          this.matchCount = s.matches.length;
          if (jumpToLast || s.matchIndex < 0) s.matchIndex = s.matches.length ? s.matches.length - 1 : -1;
          else s.matchIndex = Math.max(0, s.matches.indexOf(current));
          this.markCurrent(jumpToLast);
        },

        markCurrent: function (scroll) {
          for (var i = 0; i < s.matches.length; i++) s.matches[i].classList.toggle('current', i === s.matchIndex);
          this.searchLabel = s.matches.length ? s.matchIndex + 1 + ' / ' + s.matches.length : 'no match';
          var m = s.matches[s.matchIndex];
          if (scroll && m) {
            this.stick = false;
            m.scrollIntoView({ block: 'center' });
          }
        },

        jump: function (delta) {
          if (!s.matches.length) return;
          s.matchIndex = (s.matchIndex + delta + s.matches.length) % s.matches.length;
          this.markCurrent(true);
        },

        // The agent-side filter form: applying it restarts the stream instead of navigating.
        submitFilter: function (evt) {
          evt.preventDefault();
          this.restart();
        },

        searchKey: function (evt) {
          if (evt.key === 'Enter') {
            evt.preventDefault();
            this.jump(evt.shiftKey ? -1 : 1);
          } else if (evt.key === 'Escape') {
            this.search = '';
            this.runSearch();
          }
        },
      };
    });
  }

  if (window.Alpine) registerViewer();
  else document.addEventListener('alpine:init', registerViewer);

  // For tests: the ANSI parser alone.
  window.niroParseAnsi = parseAnsi;
})();
