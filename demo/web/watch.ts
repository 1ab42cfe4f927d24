/**
 * The /watch page: a subscriber (docs/PROTOCOL.md) showing every live session's transcript as it
 * forms, each session a card with its stable words, its changing tail and its finals.
 */
interface SessionCard {
  readonly root: HTMLElement;
  readonly stable: HTMLElement;
  readonly tail: HTMLElement;
  readonly finals: HTMLElement;
}

interface SubscriberEvent {
  type: 'session-start' | 'partial' | 'final' | 'session-end' | undefined;
  session?: string;
  partial?: string;
  stable?: string;
  text?: string;
  audio_time?: number;
  error?: { code: string; message: string };
}

const board = document.getElementById('sessions')!;
const statusLine = document.getElementById('status')!;
const cards = new Map<string, SessionCard>();

function card(session: string): SessionCard {
  let found = cards.get(session);
  if (found === undefined) {
    const root = document.createElement('article');
    root.className = 'session live';
    root.innerHTML = '<header><b></b><span class="state">live</span></header><p class="transcript"><span class="stable"></span> <span class="tail"></span></p><ol class="finals"></ol>';
    root.querySelector('b')!.textContent = `session ${session}`;
    found = { root, stable: root.querySelector('.stable')!, tail: root.querySelector('.tail')!, finals: root.querySelector('.finals')! };
    cards.set(session, found);
    board.prepend(root);
    document.getElementById('empty')?.remove();
  }
  return found;
}

function handle(event: SubscriberEvent): void {
  if (event.error !== undefined) {
    statusLine.textContent = `${event.error.code}: ${event.error.message}`;
    return;
  }
  if (event.session === undefined) return;
  const target = card(event.session);
  switch (event.type) {
    case 'partial': {
      const stable = event.stable ?? '';
      target.stable.textContent = stable;
      target.tail.textContent = (event.partial ?? '').slice(stable.length).trim();
      break;
    }
    case 'final': {
      target.stable.textContent = '';
      target.tail.textContent = '';
      if (event.text) {
        const item = document.createElement('li');
        item.textContent = event.text;
        target.finals.prepend(item);
      }
      break;
    }
    case 'session-end':
      target.root.classList.remove('live');
      target.root.querySelector('.state')!.textContent = 'ended';
      break;
    default:
      break;
  }
}

function connect(attempt = 0): void {
  const url = new URL('/subscribe', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get('token');
  if (token) url.searchParams.set('token', token);
  const socket = new WebSocket(url);
  socket.onopen = () => {
    attempt = 0;
    statusLine.textContent = 'Watching every session on this server.';
    statusLine.className = 'status ok';
  };
  socket.onmessage = (message) => handle(JSON.parse(String(message.data)) as SubscriberEvent);
  socket.onclose = (close) => {
    const delay = Math.min(10, 2 ** attempt);
    statusLine.textContent = `Connection lost (code ${close.code}). Reconnecting in ${delay} s…`;
    statusLine.className = 'status error';
    setTimeout(() => connect(attempt + 1), delay * 1000);
  };
}

connect();
