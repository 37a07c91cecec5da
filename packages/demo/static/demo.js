// The Stagepass demo page: join a session with a token from the dev gateway's POST /dev/token, then
// publish, subscribe, chat and moderate as the role allows, through the client bundle the gateway serves.
// Plain ESM for the browser, no build step: what a reader sees is what runs.
import { connect } from '/demo/stagepass-client.min.js';

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('join-form'),
  name: $('name'),
  role: $('role'),
  session: $('session'),
  media: $('media'),
  join: $('join'),
  leave: $('leave'),
  invite: $('copy-invite'),
  status: $('status'),
  me: $('me'),
  error: $('error'),
  info: $('info'),
  grid: $('grid'),
  empty: $('empty'),
  localControls: $('local-controls'),
  toggleAudio: $('toggle-audio'),
  toggleVideo: $('toggle-video'),
  participants: $('participants'),
  participantCount: $('participant-count'),
  moderation: $('moderation'),
  muteAll: $('mute-all'),
  disableForceMute: $('disable-force-mute'),
  messages: $('messages'),
  composer: $('composer'),
  composerNote: $('composer-note'),
  signalInput: $('signal-input'),
};

/** What a refusal code means to the person in front of the page. */
const CODE_TEXT = {
  ERR_TOKEN_EXPIRED: 'Your token has expired: ask for a new one.',
  ERR_TOKEN_REVOKED: 'Your token was revoked: it cannot be used to join again.',
  ERR_TOKEN_NOT_YET_VALID: 'Your token is not valid yet: check this computer’s clock.',
  ERR_TOKEN_SIGNATURE_INVALID: 'The gateway did not accept this token’s signature (a key of another app?).',
  ERR_TOKEN_SESSION_MISMATCH: 'This token is for another session.',
  ERR_TOKEN_REPLAYED: 'This token was used already: each token admits once.',
  ERR_SESSION_FULL: 'This session is full: nobody more can join.',
  ERR_APP_UNKNOWN: 'The gateway does not know this app.',
  ERR_ORIGIN_NOT_ALLOWED: 'This page’s address is not allowed to join this app.',
  ERR_CAPABILITY_DENIED: 'Your role does not allow that.',
  ERR_NOT_FOUND: 'That participant or stream has already gone.',
  ERR_RATE_LIMITED: 'Too many messages at once: slow down a little.',
  ERR_MESSAGE_INVALID: 'The gateway refused that message (too long?).',
  ERR_MESSAGE_TOO_LARGE: 'A message was too large for the gateway.',
  ERR_SLOW_CONSUMER: 'This page fell too far behind the session and was disconnected.',
  ERR_SERVER_SHUTTING_DOWN: 'The gateway is shutting down. Try again in a moment.',
  ERR_NOT_CONNECTED: 'Could not reach the gateway (is `npm start` running?).',
  ERR_INTERNAL: 'The gateway failed. Try again.',
};

/** Why the session ended, in words (the code, when there is one, wins: it says more). */
const DISCONNECT_TEXT = {
  clientDisconnected: 'You left the session.',
  forceDisconnected: 'A moderator removed you from the session.',
  tokenExpired: 'Your token has expired: ask for a new one.',
  tokenRevoked: 'Your token was revoked: you cannot rejoin with it.',
  serverShutdown: 'The gateway is shutting down. Try again in a moment.',
  networkDisconnected: 'The connection to the gateway was lost.',
};

const MEDIA_TEXT = {
  NotAllowedError:
    'Camera and microphone permission was refused: allow them in the browser’s address bar and join again, or join as a subscriber.',
  NotFoundError: 'No camera or microphone was found: plug one in and join again, or join as a subscriber.',
  NotReadableError: 'The camera or microphone is busy in another application.',
};

const ROLE_LABEL = {
  subscriber: 'subscriber',
  publisher: 'publisher',
  publisheronly: 'publisher only',
  moderator: 'moderator',
};
const MEDIA_LABEL = { relayed: 'peer to peer', routed: 'routed through the gateway' };

let session = null;
let publisher = null;
let camera = null;
/** streamId → its tile element (remote streams and the local one). */
const tiles = new Map();

function setStatus(state) {
  ui.status.textContent = state;
  ui.status.dataset.state = state;
}

function showError(code, text) {
  ui.error.textContent = text;
  ui.error.dataset.code = code;
  ui.error.hidden = false;
}

function clearNotices() {
  ui.error.hidden = true;
  ui.error.textContent = '';
  delete ui.error.dataset.code;
  ui.info.hidden = true;
}

function showInfo(text) {
  ui.info.textContent = text;
  ui.info.hidden = false;
}

function describeError(err) {
  const code = err && typeof err.code === 'string' ? err.code : 'ERR_INTERNAL';
  let text = CODE_TEXT[code] ?? (err && err.message) ?? String(err);
  if (code === 'ERR_CAPABILITY_DENIED' && session !== null)
    text = `Your role (${ROLE_LABEL[session.role] ?? session.role}) does not allow that.`;
  return { code, text };
}

/** Runs a user's action and shows its refusal in words. */
async function act(action) {
  try {
    await action();
  } catch (err) {
    const { code, text } = describeError(err);
    showError(code, text);
  }
}

/** The name in connection data `name=…` (what this page puts there), else the data itself. */
function nameOf(connection) {
  const data = connection?.data ?? '';
  const match = /^name=(.*)$/s.exec(data);
  return match ? match[1] : data || 'Anonymous';
}

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'testid') node.dataset.testid = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'onclick') node.addEventListener('click', value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

// With mediaMode "routed", the dev gateway answers with the routed session ID it keeps for this session name.
async function requestToken(sessionId, role, name, mediaMode) {
  const res = await fetch('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId, role, data: `name=${name}`, mediaMode }),
  });
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.message), { code: body.code });
  return body;
}

// ---- tiles ------------------------------------------------------------------------------------------

function makeTile(stream, { local }) {
  const video = el('video', { autoplay: true, playsInline: true, muted: local });
  video.dataset.testid = local ? 'local-video' : 'remote-video';
  video.dataset.streamId = stream.id;
  const name = local ? `${stream.name || 'You'} (you)` : stream.name || 'Guest';
  const tile = el('div', { className: local ? 'tile local' : 'tile', dataset: { streamId: stream.id } }, [
    video,
    el('div', { className: 'tile-placeholder', textContent: (stream.name || '?').slice(0, 1).toUpperCase() }),
    el('div', { className: 'tile-label' }, [
      el('span', { className: 'tile-name', textContent: name }),
      el('span', { className: 'badge audio-off', testid: 'audio-off', textContent: 'Muted' }),
      el('span', { className: 'badge video-off', textContent: 'Camera off' }),
    ]),
  ]);
  updateTile(tile, stream, null);
  if (local) ui.grid.prepend(tile);
  else ui.grid.append(tile);
  tiles.set(stream.id, tile);
  ui.empty.hidden = true;
  return { tile, video };
}

function updateTile(tile, stream, reason) {
  tile.dataset.audio = stream.hasAudio ? 'on' : 'off';
  tile.dataset.video = stream.hasVideo ? 'on' : 'off';
  if (reason !== null)
    tile.querySelector('.audio-off').textContent = reason === 'forceMuted' ? 'Muted by a moderator' : 'Muted';
}

function removeTile(streamId) {
  tiles.get(streamId)?.remove();
  tiles.delete(streamId);
  ui.empty.hidden = tiles.size > 0;
}

async function showRemoteStream(stream) {
  if (!session.capabilities.subscribe || tiles.has(stream.id)) return;
  const { video } = makeTile(stream, { local: false });
  const sub = await session.subscribe(stream.id);
  video.srcObject = sub.mediaStream;
  // Tracks arrive after the answer: start playing as each does (audio plays from this element too).
  sub.mediaStream.addEventListener('addtrack', () => video.play().catch(() => {}));
  video.play().catch(() => {});
}

// ---- participants -----------------------------------------------------------------------------------

function streamsOf(connectionId) {
  return [...session.streams.values()].filter((stream) => stream.connectionId === connectionId);
}

function moderatorButtons(connection) {
  const caps = session.capabilities;
  const buttons = [];
  for (const stream of streamsOf(connection.id)) {
    if (caps.forceMute)
      buttons.push(
        el('button', {
          type: 'button',
          testid: 'force-mute',
          textContent: 'Mute',
          disabled: !stream.hasAudio,
          onclick: () => act(() => session.forceMuteStream(stream.id)),
        }),
      );
    if (caps.forceUnpublish)
      buttons.push(
        el('button', {
          type: 'button',
          testid: 'force-unpublish',
          textContent: 'Stop video',
          onclick: () => act(() => session.forceUnpublish(stream.id)),
        }),
      );
  }
  if (caps.forceDisconnect)
    buttons.push(
      el('button', {
        type: 'button',
        className: 'danger',
        testid: 'force-disconnect',
        textContent: 'Remove',
        onclick: () => act(() => session.forceDisconnect(connection.id)),
      }),
    );
  return buttons;
}

function streamSummary(connectionId) {
  const streams = streamsOf(connectionId);
  if (streams.length === 0) return 'not publishing';
  return streams
    .map((stream) => `${stream.hasVideo ? 'camera on' : 'camera off'}, ${stream.hasAudio ? 'mic on' : 'muted'}`)
    .join(' · ');
}

function renderParticipant(connection) {
  const existing = ui.participants.querySelector(`[data-connection-id="${CSS.escape(connection.id)}"]`);
  const item = el('li', { className: 'participant', testid: 'participant', dataset: { connectionId: connection.id } }, [
    el('div', { className: 'participant-name', textContent: nameOf(connection) }),
    el('div', { className: 'participant-data', textContent: connection.data ?? '(no connection data)' }),
    el('div', { className: 'participant-streams', textContent: streamSummary(connection.id) }),
    el('div', { className: 'participant-actions' }, moderatorButtons(connection)),
  ]);
  if (existing) existing.replaceWith(item);
  else ui.participants.append(item);
  ui.participantCount.textContent = String(session.connections.size);
}

function removeParticipant(connectionId) {
  ui.participants.querySelector(`[data-connection-id="${CSS.escape(connectionId)}"]`)?.remove();
  ui.participantCount.textContent = String(session?.connections.size ?? 0);
}

function refreshParticipant(connectionId) {
  const connection = session.connections.get(connectionId);
  if (connection) renderParticipant(connection);
}

// ---- chat -------------------------------------------------------------------------------------------

function addMessage({ from, data }) {
  const mine = from !== null && from.id === session.connection.id;
  const item = el('li', { className: 'message', testid: 'signal-message' }, [
    el('span', { className: 'message-from', textContent: from === null ? 'App' : mine ? 'You' : nameOf(from) }),
    el('span', { className: 'message-data', textContent: from?.data ?? '' }),
    el('span', { className: 'message-text', textContent: data }),
  ]);
  ui.messages.append(item);
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

// ---- the local camera -------------------------------------------------------------------------------

function setLocalButtons() {
  const stream = publisher?.stream;
  ui.toggleAudio.textContent = stream?.hasAudio === false ? 'Unmute microphone' : 'Mute microphone';
  ui.toggleVideo.textContent = stream?.hasVideo === false ? 'Turn camera on' : 'Turn camera off';
}

async function publishCamera(name) {
  try {
    camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  } catch (err) {
    const code = err && err.name ? err.name : 'NotAllowedError';
    showError(code, MEDIA_TEXT[code] ?? `The camera could not be opened: ${err.message}`);
    return;
  }
  if (session === null) return;
  publisher = await session.publish(camera, { name });
  const { video } = makeTile(publisher.stream ?? { id: publisher.streamId, name, hasAudio: true, hasVideo: true }, {
    local: true,
  });
  video.srcObject = camera;
  ui.localControls.hidden = false;
  setLocalButtons();
}

function stopCamera() {
  for (const track of camera?.getTracks() ?? []) track.stop();
  camera = null;
  publisher = null;
  ui.localControls.hidden = true;
}

// ---- session events ---------------------------------------------------------------------------------

function onStreamDestroyed({ stream, reason, local }) {
  removeTile(stream.id);
  refreshParticipant(stream.connectionId);
  if (local && reason === 'forceUnpublished') {
    stopCamera();
    showInfo('A moderator stopped your camera and microphone. You are still in the session.');
  }
}

function onStreamPropertyChanged({ stream, reason, local }) {
  const tile = tiles.get(stream.id);
  if (tile) updateTile(tile, stream, reason);
  if (local) setLocalButtons();
  else refreshParticipant(stream.connectionId);
}

function onDisconnected({ reason, code }) {
  const text = code !== null && CODE_TEXT[code] ? CODE_TEXT[code] : (DISCONNECT_TEXT[reason] ?? reason);
  teardown();
  clearNotices();
  if (reason === 'clientDisconnected') showInfo(text);
  else showError(code ?? reason, text);
}

// A resume keeps everything; a rejoin is a new connection: subscribe and publish again.
function onReconnected({ resumed }) {
  setStatus('connected');
  if (resumed) return;
  for (const stream of session.streams.values()) {
    if (stream.connectionId === session.connection.id) continue;
    removeTile(stream.id);
    act(() => showRemoteStream(stream));
  }
  if (session.capabilities.publish && camera !== null) {
    stopCamera();
    act(() => publishCamera(ui.name.value.trim()));
  }
}

function wire(current) {
  current
    .on('connectionCreated', ({ connection }) => renderParticipant(connection))
    .on('connectionDestroyed', ({ connection }) => removeParticipant(connection.id))
    .on('streamCreated', ({ stream, local }) => {
      if (!local) act(() => showRemoteStream(stream));
      refreshParticipant(stream.connectionId);
    })
    .on('streamDestroyed', onStreamDestroyed)
    .on('streamPropertyChanged', onStreamPropertyChanged)
    .on('signal:chat', addMessage)
    .on('muteForced', () => {
      setLocalButtons();
      showInfo('A moderator muted your microphone. Unmute when you want to speak.');
    })
    .on('forceMuteChanged', ({ active }) =>
      showInfo(active ? 'A moderator muted everyone.' : 'The moderator lifted the mute: you may unmute.'),
    )
    .on('reconnecting', () => setStatus('reconnecting'))
    .on('reconnected', onReconnected)
    .on('disconnected', onDisconnected);
}

// ---- join and leave ---------------------------------------------------------------------------------

function setJoined(joined) {
  for (const input of [ui.name, ui.role, ui.session, ui.media, ui.join]) input.disabled = joined;
  ui.leave.disabled = !joined;
}

function showRoleControls() {
  const caps = session.capabilities;
  ui.moderation.hidden = !caps.forceMute;
  ui.composer.hidden = !caps.signal;
  ui.composerNote.hidden = caps.signal;
  ui.composerNote.textContent = caps.signal ? '' : 'Your role can read messages but not send them.';
  if (!caps.subscribe) showInfo('As publisher only, you send your camera; you do not receive the others’ video.');
}

async function join(event) {
  event.preventDefault();
  if (session !== null) return;
  clearNotices();
  const name = ui.name.value.trim();
  const sessionId = ui.session.value.trim();
  const role = ui.role.value;
  const mediaMode = ui.media.value;
  history.replaceState(null, '', inviteUrl({ name, role }));
  setJoined(true);
  setStatus('connecting');
  try {
    const first = await requestToken(sessionId, role, name, mediaMode);
    let fresh = first.token;
    const token = async () => fresh ?? (await requestToken(sessionId, role, name, mediaMode)).token;
    const joined = await connect({ url: location.origin, appId: first.appId, sessionId: first.sessionId, token });
    fresh = undefined;
    session = joined;
  } catch (err) {
    setJoined(false);
    setStatus('disconnected');
    const { code, text } = describeError(err);
    showError(code, text);
    return;
  }
  wire(session);
  setStatus('connected');
  ui.me.textContent = `${name} · ${ROLE_LABEL[session.role] ?? session.role} · ${MEDIA_LABEL[session.mediaMode]}`;
  ui.me.dataset.mediaMode = session.mediaMode;
  ui.messages.replaceChildren();
  showRoleControls();
  for (const connection of session.connections.values()) renderParticipant(connection);
  for (const stream of session.streams.values())
    if (stream.connectionId !== session.connection.id) act(() => showRemoteStream(stream));
  if (session.capabilities.publish) await act(() => publishCamera(name));
}

function teardown() {
  stopCamera();
  session = null;
  for (const streamId of [...tiles.keys()]) removeTile(streamId);
  ui.participants.replaceChildren();
  ui.participantCount.textContent = '0';
  ui.moderation.hidden = true;
  ui.composer.hidden = true;
  ui.composerNote.hidden = true;
  setJoined(false);
  setStatus('disconnected');
  ui.me.textContent = '';
  delete ui.me.dataset.mediaMode;
}

function inviteUrl({ name, role }) {
  const query = new URLSearchParams({ session: ui.session.value.trim() });
  if (ui.media.value === 'routed') query.set('media', 'routed');
  if (role) query.set('role', role);
  if (name) query.set('name', name);
  return `${location.origin}${location.pathname}?${query}`;
}

// ---- start ------------------------------------------------------------------------------------------

function prefill() {
  const query = new URLSearchParams(location.search);
  ui.name.value = query.get('name') ?? '';
  ui.session.value = query.get('session') ?? `room-${Math.random().toString(36).slice(2, 8)}`;
  const role = query.get('role');
  if (role && ROLE_LABEL[role]) ui.role.value = role;
  if (query.get('media') === 'routed') ui.media.value = 'routed';
}

function bind() {
  ui.form.addEventListener('submit', join);
  ui.leave.addEventListener('click', () => act(() => session?.disconnect()));
  ui.invite.addEventListener('click', async () => {
    // Invite as a publisher: the guest picks their own name.
    const link = inviteUrl({ role: 'publisher' });
    // Shown at once: the clipboard may be refused or wait for a permission.
    showInfo(`Invite link: ${link}`);
    const copied = await navigator.clipboard?.writeText(link).then(
      () => true,
      () => false,
    );
    if (copied) showInfo(`Invite link copied: ${link}`);
  });
  ui.toggleAudio.addEventListener('click', () =>
    act(() => publisher?.setAudioEnabled(publisher.stream?.hasAudio === false)),
  );
  ui.toggleVideo.addEventListener('click', () =>
    act(() => publisher?.setVideoEnabled(publisher.stream?.hasVideo === false)),
  );
  ui.muteAll.addEventListener('click', () =>
    act(() => session.forceMuteAll({ excludedStreamIds: publisher ? [publisher.streamId] : [] })),
  );
  ui.disableForceMute.addEventListener('click', () => act(() => session.disableForceMute()));
  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = ui.signalInput.value.trim();
    if (data === '') return;
    ui.signalInput.value = '';
    act(() => session.signal({ type: 'chat', data }));
  });
}

prefill();
bind();
setStatus('disconnected');
