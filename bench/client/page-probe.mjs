// The script every benchmark page runs before its own (Playwright's addInitScript): it stamps, with the page's
// performance.now(), each step from the Join click to the first remote video frame, without touching the page's
// code. Read back as `window.__bench.marks`. Kept free of imports: it is sent to the browser as text.
//
// Marks (the first occurrence of each):
//   click            the Join button was clicked (capture phase, before the page's own handler)
//   tokenReceived    the page's POST /dev/token answered (the demo page asks it for a token first)
//   wsCreated        the SDK created its WebSocket
//   wsOpen           …which opened
//   connected        the gateway's `connected` arrived on it
//   subscribeSent    the SDK sent its `subscribe` request
//   subscribeAck     …and the first `ack` after it arrived (the subscribe's: the page sends nothing else meanwhile)
//   pcCreated        the subscription's RTCPeerConnection was created
//   offerReceived    setRemoteDescription(offer) was called on it
//   answerSet        …and setLocalDescription(answer) resolved
//   firstLocalCandidate / firstRemoteCandidate    the first ICE candidate gathered here / added from the other side
//   track            the first remote track arrived (ontrack)
//   iceConnected     iceConnectionState became `connected`
//   pcConnected      connectionState became `connected` (DTLS done too)
//   framesDecoded    getStats: the inbound video's framesDecoded > 0 (polled every 10 ms once a video track is in)
//   firstFrame       requestVideoFrameCallback of the remote <video>: the first frame presented
// Candidate types gathered here: `window.__bench.localCandidates` (e.g. ["host:mdns", "host"]); every change of
// the status element's data-state with its time: `window.__bench.states` ([["connected", t], …]).
export const PAGE_PROBE = `(() => {
  const bench = { marks: {}, localCandidates: [], states: [] };
  window.__bench = bench;
  const mark = (name) => { if (bench.marks[name] === undefined) bench.marks[name] = performance.now(); };
  document.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('[data-testid="join"]')) mark('click');
  }, true);

  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await nativeFetch(...args);
    if (String(args[0]).includes('/dev/token')) mark('tokenReceived');
    return response;
  };

  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      mark('wsCreated');
      const send = this.send.bind(this);
      this.send = (data) => {
        if (typeof data === 'string' && data.includes('"type":"subscribe"')) mark('subscribeSent');
        return send(data);
      };
      this.addEventListener('open', () => mark('wsOpen'));
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') return;
        if (bench.marks.connected === undefined && event.data.includes('"type":"connected"')) mark('connected');
        if (bench.marks.subscribeSent !== undefined && event.data.includes('"type":"ack"')) mark('subscribeAck');
      });
    }
  };

  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(...args) {
      super(...args);
      mark('pcCreated');
      this.addEventListener('icecandidate', (event) => {
        if (event.candidate === null) return;
        mark('firstLocalCandidate');
        const c = event.candidate;
        bench.localCandidates.push(c.type + (String(c.address ?? '').endsWith('.local') ? ':mdns' : ''));
      });
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState === 'connected' || this.iceConnectionState === 'completed') mark('iceConnected');
      });
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') mark('pcConnected');
      });
      this.addEventListener('track', (event) => {
        mark('track');
        if (event.track.kind === 'video') this.__pollDecoded();
      });
    }
    async setRemoteDescription(description) {
      if (description && description.type === 'offer') mark('offerReceived');
      return super.setRemoteDescription(description);
    }
    async setLocalDescription(description) {
      const result = await super.setLocalDescription(description);
      if (this.localDescription && this.localDescription.type === 'answer') mark('answerSet');
      return result;
    }
    async addIceCandidate(candidate) {
      mark('firstRemoteCandidate');
      return super.addIceCandidate(candidate);
    }
    __pollDecoded() {
      const timer = setInterval(async () => {
        if (bench.marks.framesDecoded !== undefined || this.connectionState === 'closed') return clearInterval(timer);
        const stats = await this.getStats();
        stats.forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video' && r.framesDecoded > 0) mark('framesDecoded');
        });
      }, 10);
    }
  };

  const watchVideo = (video) => {
    if (video.__benchWatched) return;
    video.__benchWatched = true;
    mark('tile');
    video.requestVideoFrameCallback(() => mark('firstFrame'));
  };
  const watchStatus = (status) => {
    if (status === null || status.__benchWatched) return;
    status.__benchWatched = true;
    new MutationObserver(() => bench.states.push([status.dataset.state, performance.now()])).observe(status, {
      attributes: true,
      attributeFilter: ['data-state'],
    });
  };
  new MutationObserver(() => {
    watchStatus(document.querySelector('[data-testid="status"]'));
    for (const video of document.querySelectorAll('video[data-testid="remote-video"]')) watchVideo(video);
  }).observe(document, { childList: true, subtree: true });
})();`;
