// Standings live leaderboard: plain JS, no build step. Reads /api/v1 and follows the SSE streams.
(function () {
  'use strict';
  const api = '/api/v1/boards';
  const $ = (id) => document.getElementById(id);
  const boardSelect = $('board');
  const limitSelect = $('limit');
  let topSource = null;
  let entrySource = null;
  let lastTop = new Map();
  let updates = 0;

  function setStatus(state) {
    $('status').dataset.state = state;
    $('status').textContent = state;
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(body.detail || response.statusText);
    }
    return body;
  }

  function row(entry, options) {
    const tr = document.createElement('tr');
    const cells = [entry.rank, entry.entity, formatScore(entry.score)];
    cells.forEach((value, i) => {
      const td = document.createElement('td');
      td.textContent = String(value);
      td.className = i === 1 ? 'entity' : 'num';
      tr.appendChild(td);
    });
    tr.dataset.entity = entry.entity;
    if (options.changed) tr.classList.add('changed');
    if (options.me) tr.classList.add('me');
    return tr;
  }

  function formatScore(score) {
    return Number.isInteger(score) ? score.toLocaleString() : score.toLocaleString(undefined, { maximumFractionDigits: 3 });
  }

  function showTop(top) {
    const tbody = $('top').querySelector('tbody');
    const next = new Map();
    const rows = top.entries.map((entry) => {
      const before = lastTop.get(entry.entity);
      next.set(entry.entity, entry);
      const changed = lastTop.size > 0 && (!before || before.score !== entry.score || before.ordinalRank !== entry.ordinalRank);
      return row(entry, { changed: changed });
    });
    tbody.replaceChildren(...rows);
    lastTop = next;
    $('empty').hidden = top.entries.length > 0;
    $('total').textContent = String(top.total);
    const option = boardSelect.selectedOptions[0];
    if (option) option.textContent = top.board + ' (' + top.total + ')';
    $('asof').textContent = String(top.asOf);
    $('updates').textContent = String(updates);
  }

  function followTop() {
    if (topSource) topSource.close();
    const board = boardSelect.value;
    if (!board) return;
    $('board-name').textContent = board;
    lastTop = new Map();
    updates = 0;
    setStatus('connecting');
    const url = api + '/' + encodeURIComponent(board) + '/top/stream?limit=' + encodeURIComponent(limitSelect.value);
    topSource = new EventSource(url);
    topSource.addEventListener('open', () => setStatus('live'));
    topSource.addEventListener('error', () => setStatus(topSource.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
    topSource.addEventListener('top', (event) => {
      updates++;
      showTop(JSON.parse(event.data));
    });
  }

  async function loadBoards() {
    try {
      const { boards } = await getJson(api);
      const current = boardSelect.value || new URLSearchParams(location.search).get('board');
      boardSelect.replaceChildren(...boards.map((b) => {
        const option = document.createElement('option');
        option.value = b.id;
        option.textContent = b.id + ' (' + b.entries + ')';
        return option;
      }));
      if (current && boards.some((b) => b.id === current)) boardSelect.value = current;
      if (boards.length === 0) {
        $('empty').hidden = false;
        setStatus('no boards');
        return;
      }
      followTop();
    } catch (e) {
      setStatus('error');
      $('found').textContent = 'Could not load boards: ' + e.message;
    }
  }

  async function showAround(entity) {
    const board = boardSelect.value;
    const base = api + '/' + encodeURIComponent(board) + '/entries/' + encodeURIComponent(entity);
    try {
      const around = await getJson(base + '/around?radius=3');
      const me = around.entries.find((e) => e.entity === entity);
      $('found').textContent = entity + ': rank ' + me.rank + ' of ' + around.total + ', score ' + formatScore(me.score);
      $('around').querySelector('tbody').replaceChildren(...around.entries.map((e) => row(e, { me: e.entity === entity })));
      $('around').hidden = false;
    } catch (e) {
      $('found').textContent = e.message;
      $('around').hidden = true;
    }
  }

  function followEntity(entity) {
    if (entrySource) entrySource.close();
    const board = boardSelect.value;
    const url = api + '/' + encodeURIComponent(board) + '/entries/' + encodeURIComponent(entity) + '/stream';
    entrySource = new EventSource(url);
    // Every change of the entity's score or rank (also being overtaken) refreshes its neighbourhood.
    entrySource.addEventListener('entry', () => showAround(entity));
  }

  $('find').addEventListener('submit', (event) => {
    event.preventDefault();
    const entity = $('entity').value.trim();
    if (entity) followEntity(entity);
  });
  boardSelect.addEventListener('change', () => {
    if (entrySource) entrySource.close();
    $('around').hidden = true;
    $('found').textContent = '';
    followTop();
  });
  limitSelect.addEventListener('change', followTop);
  $('reload').addEventListener('click', loadBoards);
  loadBoards();
})();
