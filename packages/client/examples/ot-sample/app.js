/* global OT, API_KEY, SESSION_ID, TOKEN */
// A small OpenTok.js page: publish the camera, show everyone else's, chat over signals, and (for a moderator
// token) mute or remove people. Written against OpenTok.js's API only.

function log(text, kind) {
  const item = document.createElement('li');
  item.className = kind || 'info';
  item.textContent = text;
  document.getElementById('log').appendChild(item);
}

function handleError(error) {
  if (error) log(error.name + ' (' + error.code + '): ' + error.message, 'error');
}

function setStatus(text) {
  document.getElementById('status').textContent = text;
}

const session = OT.initSession(API_KEY, SESSION_ID);
let publisher;

function moderatorButton(card, label, action) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = label.toLowerCase();
  button.textContent = label;
  button.addEventListener('click', action);
  card.appendChild(button);
}

session.on({
  streamCreated: function (event) {
    const stream = event.stream;
    const card = document.createElement('div');
    card.className = 'card';
    card.id = 'card-' + stream.streamId;
    card.dataset.name = stream.name;
    const label = document.createElement('span');
    label.className = 'name';
    label.textContent = stream.name + (stream.hasAudio ? '' : ' (muted)');
    card.appendChild(label);
    document.getElementById('subscribers').appendChild(card);
    session.subscribe(stream, card, { insertMode: 'append', width: 320, height: 240 }, handleError);
    if (session.capabilities.permittedTo('forceMute')) {
      moderatorButton(card, 'Mute', function () {
        session.forceMuteStream(stream).catch(handleError);
      });
    }
    if (session.capabilities.permittedTo('forceDisconnect')) {
      moderatorButton(card, 'Remove', function () {
        session.forceDisconnect(stream.connection, handleError);
      });
    }
  },
  streamDestroyed: function (event) {
    const card = document.getElementById('card-' + event.stream.streamId);
    if (card) card.remove();
    log(event.stream.name + ' stopped publishing (' + event.reason + ')');
  },
  streamPropertyChanged: function (event) {
    const card = document.getElementById('card-' + event.stream.streamId);
    if (!card || event.changedProperty !== 'hasAudio') return;
    const label = card.querySelector('.name');
    label.textContent = event.stream.name + (event.newValue ? '' : ' (muted)');
    label.classList.toggle('muted', !event.newValue);
  },
  connectionCreated: function (event) {
    if (event.connection.connectionId !== session.connection.connectionId) log(event.connection.data + ' joined');
  },
  connectionDestroyed: function (event) {
    log(event.connection.data + ' left (' + event.reason + ')');
  },
  muteForced: function (event) {
    log(event.active ? 'A moderator muted everyone.' : 'A moderator lifted the mute.');
  },
  sessionReconnecting: function () {
    setStatus('Reconnecting…');
  },
  sessionReconnected: function () {
    setStatus('Connected');
  },
  sessionDisconnected: function (event) {
    setStatus('Disconnected: ' + event.reason);
    document.getElementById('status').dataset.reason = event.reason;
  },
});

session.on('signal:msg', function (event) {
  const item = document.createElement('li');
  const mine = event.from && event.from.connectionId === session.connection.connectionId;
  item.textContent = (event.from ? event.from.data : 'The app') + ': ' + event.data;
  item.className = mine ? 'mine' : 'theirs';
  document.getElementById('history').appendChild(item);
});

session.connect(TOKEN, function (error) {
  if (error) {
    handleError(error);
    setStatus('Not connected: ' + error.name);
    return;
  }
  setStatus('Connected as ' + session.connection.data);
  document.getElementById('moderation').hidden = !session.capabilities.permittedTo('forceMute');
  if (!session.capabilities.permittedTo('publish')) return;
  publisher = OT.initPublisher(
    'publisher',
    { name: session.connection.data, insertMode: 'append', width: 320, height: 240 },
    handleError,
  );
  publisher.on({
    accessDenied: function () {
      log('Please allow access to the camera and microphone.', 'error');
    },
    streamCreated: function (event) {
      log('Publishing as ' + event.stream.name);
    },
    streamDestroyed: function (event) {
      log('Your stream ended (' + event.reason + ')');
    },
    muteForced: function () {
      log('A moderator muted your microphone.');
    },
  });
  session.publish(publisher, handleError);
});

document.getElementById('chat').addEventListener('submit', function (event) {
  event.preventDefault();
  const input = document.getElementById('msgTxt');
  session.signal({ type: 'msg', data: input.value }, function (error) {
    if (error) handleError(error);
    else input.value = '';
  });
});

document.getElementById('mute-all').addEventListener('click', function () {
  session.forceMuteAll().catch(handleError);
});
document.getElementById('lift-mute').addEventListener('click', function () {
  session.disableForceMute().catch(handleError);
});
document.getElementById('leave').addEventListener('click', function () {
  session.disconnect();
});
