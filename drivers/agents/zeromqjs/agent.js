'use strict'
// zharness agent for zeromq.js (the npm package "zeromq", version 6):
// speaks drivers/remote/PROTOCOL.md on stdin/stdout and drives the
// library's promise-based sockets.
//
// Design: Node.js runs everything on one thread, and zeromq.js sockets
// belong to that thread, so no locking is needed. Each request becomes a
// promise; a receive() waiting for a message delays nothing else. Deadlines
// use the library's own receiveTimeout/sendTimeout, set before each call
// (at most one receive and one send are in flight per socket, so the
// per-socket value is per-call in effect). zeromq.js only takes a message
// from libzmq when a receive() is pending and gives up on its timer without
// taking one, so a message that arrives after a timeout stays in libzmq.

// stdout carries protocol frames only: send stray console output to stderr.
console.log = console.info = console.debug = console.error

const fs = require('fs')
const zmq = require('zeromq')
const zmqPackage = require('zeromq/package.json')

const PROTOCOL = 1
const MAX_FRAME = 256 << 20
const DEFAULT_DEADLINE_MS = 5000

// Socket classes by RFC name. zeromq.js has one class per type; its typed
// API gives Publisher and Push no receive(), Subscriber and Pull no send()
// (index.d.ts: "interface Publisher extends Writable" and so on).
const CLASSES = {
  REQ: zmq.Request,
  REP: zmq.Reply,
  DEALER: zmq.Dealer,
  ROUTER: zmq.Router,
  PUB: zmq.Publisher,
  SUB: zmq.Subscriber,
  XPUB: zmq.XPublisher,
  XSUB: zmq.XSubscriber,
  PUSH: zmq.Push,
  PULL: zmq.Pull,
  PAIR: zmq.Pair
}

// ipc needs libzmq built with it; zmq.capability says so at run time.
// tipc, pgm and norm are outside the harness's transports.
const TRANSPORTS = ['tcp', 'inproc'].concat(zmq.capability.ipc ? ['ipc'] : [])

// OPTIONS maps each protocol option to zeromq.js's own API: a socket
// property (prop) or method, the value's kind, and, for options libzmq
// accepts only on some socket types, those types (libzmq answers the
// others with EINVAL, which the Go libzmq driver reports as not-allowed).
const OPTIONS = {
  SNDHWM: { kind: 'int', prop: 'sendHighWaterMark' },
  RCVHWM: { kind: 'int', prop: 'receiveHighWaterMark' },
  // The timeouts are kept by the agent and applied per call, as the
  // smaller of the option and the request's deadline (see timeoutFor).
  SNDTIMEO: { kind: 'int', prop: 'sendTimeout', keep: 'sndtimeo' },
  RCVTIMEO: { kind: 'int', prop: 'receiveTimeout', keep: 'rcvtimeo' },
  LINGER: { kind: 'int', prop: 'linger' },
  SUBSCRIBE: { kind: 'bytes', method: 'subscribe', types: ['SUB'] },
  UNSUBSCRIBE: { kind: 'bytes', method: 'unsubscribe', types: ['SUB'] },
  // zeromq.js defines routingId on Request, Reply, Router and Dealer only.
  ROUTING_ID: { kind: 'bytes', prop: 'routingId' },
  ROUTER_MANDATORY: { kind: 'bool', prop: 'mandatory', types: ['ROUTER', 'REP'] },
  CONFLATE: { kind: 'bool', prop: 'conflate' },
  IMMEDIATE: { kind: 'bool', prop: 'immediate' },
  RECONNECT_IVL: { kind: 'int', prop: 'reconnectInterval' },
  // XPublisher.verbosity: null is ZMQ_XPUB_VERBOSE 0, "allSubs" is 1.
  XPUB_VERBOSE: { kind: 'bool', prop: 'verbosity', types: ['XPUB', 'PUB'], map: (v) => (v ? 'allSubs' : null) },
  REQ_RELAXED: { kind: 'bool', prop: 'relaxed', types: ['REQ'] },
  REQ_CORRELATE: { kind: 'bool', prop: 'correlate', types: ['REQ'] },
  // Security (RFC 24, 26, 27): zeromq.js defines these on every socket,
  // the curve* ones only when its libzmq has CURVE (zmq.capability.curve).
  // Keys pass as bytes: 32 raw bytes or 40 Z85 characters, as libzmq takes.
  PLAIN_SERVER: { kind: 'bool', prop: 'plainServer' },
  PLAIN_USERNAME: { kind: 'bytes', prop: 'plainUsername' },
  PLAIN_PASSWORD: { kind: 'bytes', prop: 'plainPassword' },
  ZAP_DOMAIN: { kind: 'bytes', prop: 'zapDomain' }
}
if (zmq.capability.curve) {
  Object.assign(OPTIONS, {
    CURVE_SERVER: { kind: 'bool', prop: 'curveServer' },
    CURVE_PUBLICKEY: { kind: 'bytes', prop: 'curvePublicKey' },
    CURVE_SECRETKEY: { kind: 'bytes', prop: 'curveSecretKey' },
    CURVE_SERVERKEY: { kind: 'bytes', prop: 'curveServerKey' }
  })
}

// FEATURES: the mechanisms libzmq has, and ZAP, which libzmq consults at
// inproc://zeromq.zap.01 in the server's context, where a REP socket made
// through this agent (same zmq.Context) can answer it; bulk: the
// measurement loops run here, in JavaScript (bulk()).
const FEATURES = ['plain', 'zap', 'bulk'].concat(zmq.capability.curve ? ['curve'] : [])

// AgentError is an error the protocol can carry: kind, op and message.
class AgentError extends Error {
  constructor (kind, op, message) {
    super(message)
    this.kind = kind
    this.op = op
  }
}

// zmqError classifies an error thrown or rejected by zeromq.js; its
// ErrnoException carries libzmq's errno name in .code.
function zmqError (op, err) {
  if (err instanceof AgentError) return err
  const kinds = {
    EAGAIN: 'timeout',
    ENOTSUP: 'not-allowed',
    EFSM: 'invalid-state',
    EHOSTUNREACH: 'host-unreachable',
    ETERM: 'closed',
    ENOTSOCK: 'closed',
    EBADF: 'closed' // zeromq.js: "Socket is closed"
  }
  const kind = kinds[err && err.code] || 'other'
  const message = err && err.message ? err.message : String(err)
  return new AgentError(kind, op, err && err.code ? `${message} (${err.code})` : message)
}

// ---- output -------------------------------------------------------------

function header (n) {
  const h = Buffer.allocUnsafe(4)
  h.writeUInt32BE(n, 0)
  return h
}

// writeFrames writes a JSON frame and its binary frames as one write, so
// frames of two responses never interleave. Writes to a pipe are
// synchronous in Node.js on Linux, so the order is the call order.
function writeFrames (obj, parts) {
  const json = Buffer.from(JSON.stringify(obj), 'utf8')
  const bufs = [header(json.length), json]
  for (const p of parts || []) bufs.push(header(p.length), p)
  process.stdout.write(Buffer.concat(bufs))
}

// The client may be gone; then there is nobody to answer.
process.stdout.on('error', () => process.exit(0))

// ---- state --------------------------------------------------------------

let nextId = 0
const contexts = new Map() // id → {zctx, sockets: Set of socket ids, closed}
const sockets = new Map() // id → socket state; kept after close, to answer "closed"

function newSocketState (ctxId, type, sock) {
  return { ctxId, type, sock, closed: false, userLinger: false, rcvtimeo: -1, sndtimeo: -1, ipcFiles: [] }
}

function socketOf (req) {
  const s = sockets.get(req.socket)
  if (!s) throw new AgentError('other', req.op, `no socket ${req.socket} was created by this agent`)
  if (s.closed) throw new AgentError('closed', req.op, 'socket is closed')
  return s
}

// closeSocket closes s with linger 0 unless the scenario chose a linger
// (or force, for context close and shutdown), then removes the socket files
// of its ipc binds: libzmq 4.3 unlinks them only on an explicit unbind.
function closeSocket (s, force) {
  if (s.closed) return
  s.closed = true
  try {
    if (force || !s.userLinger) s.sock.linger = 0
  } catch (e) {
    // Should the library refuse the option in some state, the close
    // still happens, with the socket's own linger.
  }
  s.sock.close()
  removeIpcFiles(s)
  const c = contexts.get(s.ctxId)
  if (c) c.sockets.delete(s)
}

function removeIpcFiles (s) {
  for (const f of s.ipcFiles) {
    if (f && f[0] !== '@') fs.rm(f, { force: true }, () => {}) // '@': abstract namespace, no file
  }
  s.ipcFiles = []
}

// ---- operations ---------------------------------------------------------

function deadlineOf (req) {
  return typeof req.deadline_ms === 'number' && req.deadline_ms >= 0 ? req.deadline_ms : DEFAULT_DEADLINE_MS
}

// timeoutFor is the call's limit in ms: the deadline, or the scenario's
// SNDTIMEO/RCVTIMEO when that is set (≥ 0) and shorter, as libzmq would
// give up at the option's time.
function timeoutFor (req, opt) {
  const dl = deadlineOf(req)
  return opt >= 0 ? Math.min(opt, dl) : dl
}

// bounded runs call (a receive() or send()) with the library's timeout
// property set to what is left of limit. libuv's timers count from the
// event loop's cached clock, which can lag the real one by the time the
// loop spent since it last woke, so zeromq.js's timer may fire a few ms
// before the deadline (measured: 95 ms for 100 ms). An EAGAIN before the
// limit therefore re-arms for the time that is really left: one logical
// call with the right deadline, not a retry of a finished one.
async function bounded (s, req, t0, prop, limit, call) {
  for (;;) {
    const left = Math.max(0, Math.ceil(limit - (performance.now() - t0)))
    s.sock[prop] = left
    try {
      return await call()
    } catch (e) {
      if (s.closed) throw new AgentError('closed', req.op, 'socket closed while the call was blocked')
      if (e && e.code === 'EAGAIN' && left > 0 && performance.now() - t0 < limit) continue
      throw zmqError(req.op, e)
    }
  }
}

async function recv (req, t0) {
  const s = socketOf(req)
  if (!('receiveTimeout' in s.sock)) {
    throw new AgentError('not-allowed', 'receive', `zeromq.js's ${s.sock.constructor.name} cannot receive`)
  }
  const frames = await bounded(s, req, t0, 'receiveTimeout', timeoutFor(req, s.rcvtimeo), () => s.sock.receive())
  return { result: { parts: frames.length }, parts: frames }
}

async function send (req, frames, t0) {
  const s = socketOf(req)
  if (!('sendTimeout' in s.sock)) {
    throw new AgentError('not-allowed', 'send', `zeromq.js's ${s.sock.constructor.name} cannot send`)
  }
  if (frames.length === 0) throw new AgentError('other', 'send', 'a message has at least one frame')
  await bounded(s, req, t0, 'sendTimeout', timeoutFor(req, s.sndtimeo), () => s.sock.send(frames))
  return {}
}

function checkTransport (op, endpoint) {
  const i = typeof endpoint === 'string' ? endpoint.indexOf('://') : -1
  const scheme = i > 0 ? endpoint.slice(0, i) : ''
  if (!TRANSPORTS.includes(scheme)) {
    throw new AgentError('unsupported', op, `transport ${JSON.stringify(scheme)} is not offered by zeromq.js here`)
  }
}

async function bind (req) {
  const s = socketOf(req)
  checkTransport('bind', req.endpoint)
  try {
    await s.sock.bind(req.endpoint)
  } catch (e) {
    throw zmqError('bind', e)
  }
  if (req.endpoint.startsWith('ipc://')) {
    // The resolved path ("ipc://*" binds a generated one); a socket closed
    // while its bind ran can no longer say, so fall back to the request's.
    let last = req.endpoint
    try {
      last = s.sock.lastEndpoint || last
    } catch (e) {}
    if (last !== 'ipc://*') s.ipcFiles.push(last.slice('ipc://'.length))
  }
  if (s.closed) {
    // zeromq.js defers a close asked for during a bind until the bind
    // ends; the socket is gone now.
    removeIpcFiles(s)
    throw new AgentError('closed', 'bind', 'socket closed while binding')
  }
  return {}
}

function connect (req) {
  const s = socketOf(req)
  checkTransport('connect', req.endpoint)
  try {
    s.sock.connect(req.endpoint)
  } catch (e) {
    throw zmqError('connect', e)
  }
  return {}
}

// decodeValue converts a tagged option value to the option's kind.
function decodeValue (name, kind, value) {
  const op = 'set ' + name
  if (!value || typeof value !== 'object') throw new AgentError('other', op, 'missing value')
  if (kind === 'bytes') {
    if (typeof value.bytes === 'string') return Buffer.from(value.bytes, 'base64')
    if (typeof value.string === 'string') return Buffer.from(value.string, 'utf8')
    throw new AgentError('other', op, `want bytes, got ${JSON.stringify(value)}`)
  }
  let n
  if (Number.isInteger(value.int)) n = value.int
  else if (typeof value.bool === 'boolean') n = value.bool ? 1 : 0
  else throw new AgentError('other', op, `want an integer, got ${JSON.stringify(value)}`)
  if (kind === 'bool') {
    // libzmq refuses anything but 0 and 1 for its boolean options.
    if (n !== 0 && n !== 1) throw new AgentError('other', op, `want 0 or 1, got ${n}`)
    return n === 1
  }
  return n
}

function setOption (req) {
  const s = socketOf(req)
  const name = req.name
  const o = Object.prototype.hasOwnProperty.call(OPTIONS, name) ? OPTIONS[name] : null
  const op = 'set ' + name
  if (!o) throw new AgentError('unsupported', op, `option ${name} is not offered by zeromq.js`)
  const has = o.method ? typeof s.sock[o.method] === 'function' : o.prop in s.sock
  if (!has) {
    if (o.types && !o.types.includes(s.type)) {
      throw new AgentError('not-allowed', op, `${s.type} has no option ${name}`)
    }
    // libzmq would take it on this type, but zeromq.js's class for the
    // type does not offer it (e.g. routingId on Pair).
    throw new AgentError('unsupported', op, `zeromq.js's ${s.sock.constructor.name} has no ${o.prop || o.method}`)
  }
  let v = decodeValue(name, o.kind, req.value)
  if (o.map) v = o.map(v)
  if (o.keep) {
    // Applied per call by bounded(); validated here as libzmq would.
    if (v < -1) throw new AgentError('other', op, `invalid timeout ${v}`)
    s[o.keep] = v
    return {}
  }
  try {
    if (o.method) s.sock[o.method](v)
    else s.sock[o.prop] = v
  } catch (e) {
    throw zmqError(op, e)
  }
  if (name === 'LINGER') s.userLinger = true
  return {}
}

function newContext () {
  const id = ++nextId
  contexts.set(id, { zctx: new zmq.Context(), sockets: new Set(), closed: false })
  return { result: { context: id } }
}

function contextOf (req) {
  const c = contexts.get(req.context)
  if (!c || c.closed) throw new AgentError('closed', req.op, `no open context ${req.context}`)
  return c
}

function closeContext (req) {
  const c = contextOf(req)
  c.closed = true
  for (const s of [...c.sockets]) closeSocket(s, true)
  // zeromq.js has no explicit context termination: the context ends when
  // no socket refers to it any more and it is garbage-collected.
  return {}
}

function newSocket (req) {
  const c = contextOf(req)
  const Cls = Object.prototype.hasOwnProperty.call(CLASSES, req.type) ? CLASSES[req.type] : null
  if (!Cls) throw new AgentError('unsupported', 'new_socket', `socket type ${JSON.stringify(req.type)} is not offered by zeromq.js`)
  let sock
  try {
    sock = new Cls({ context: c.zctx })
  } catch (e) {
    throw zmqError('new_socket', e)
  }
  const id = ++nextId
  const s = newSocketState(req.context, req.type, sock)
  sockets.set(id, s)
  c.sockets.add(s)
  return { result: { socket: id } }
}

function close (req) {
  closeSocket(socketOf(req), false)
  return {}
}

// ---- measurement loops (PROTOCOL.md, "Measurement loops") ---------------

// BULK_POLL_MS bounds one blocking receive or send inside a loop, so the
// loop looks at its deadline at least this often.
const BULK_POLL_MS = 100

// LOOPS: the socket types each loop takes (PROTOCOL.md's table) and
// whether its last act is a send, whose message must still reach the peer
// after the loop ends (see drainThenClose).
const LOOPS = {
  throughput_recv: { types: ['PULL', 'SUB'], sendsLast: false },
  throughput_send: { types: ['PUSH', 'PUB'], sendsLast: true },
  latency_serve: { types: ['REP', 'PAIR'], sendsLast: true },
  latency_client: { types: ['REQ', 'PAIR'], sendsLast: false }
}

// Loop sockets still open, closed with linger 0 at shutdown.
const bulkSockets = new Set()

function intField (req, name) {
  const v = req[name] === undefined ? 0 : req[name] // Go omits zeros
  if (!Number.isSafeInteger(v) || v < 0) throw new AgentError('other', `bulk ${req.loop}`, `${name} ${JSON.stringify(req[name])}: want an integer ≥ 0`)
  return v
}

// BulkLoop holds one loop's own context and socket and its deadline,
// counted like every deadline from when the request was read (t0).
class BulkLoop {
  constructor (req, t0) {
    this.op = `bulk ${req.loop}`
    this.t0 = t0
    this.limit = deadlineOf(req)
    this.done = 0 // timed messages or round trips completed
    this.peers = 0 // open connections, from the socket's events
    this.everPeer = false
    this.watching = false // whether peers is counted (watchPeers)
    this.wake = null // wakes drainThenClose on a connection event
  }

  left () { return this.limit - (performance.now() - this.t0) }

  // open makes the context and socket. Linger is 0: a loop that must let
  // its last messages out waits for them itself (drainThenClose), so that
  // nothing is left for context termination at exit to block on.
  async open (req, spec) {
    const Cls = CLASSES[req.socket_type]
    this.zctx = new zmq.Context()
    try {
      this.sock = new Cls({ context: this.zctx, linger: 0 })
      // Pull and Subscriber have no sendTimeout, Push and Publisher no
      // receiveTimeout.
      for (const p of ['receiveTimeout', 'sendTimeout']) if (p in this.sock) this.sock[p] = BULK_POLL_MS
    } catch (e) {
      throw zmqError(this.op, e)
    }
    bulkSockets.add(this.sock)
    if (spec.sendsLast) this.watchPeers()
    try {
      if (req.socket_type === 'SUB') this.sock.subscribe()
      if (req.bind) await this.sock.bind(req.endpoint)
      else this.sock.connect(req.endpoint)
    } catch (e) {
      throw zmqError(this.op, e)
    }
  }

  // watchPeers counts the socket's connections from its monitor events
  // (accept on a binding socket, connect on a connecting one), so that
  // drainThenClose knows when the peer has gone.
  watchPeers () {
    this.watching = true
    const changed = (d) => () => {
      this.peers += d
      if (d > 0) this.everPeer = true
      if (this.wake) this.wake()
    }
    this.sock.events.on('accept', changed(1))
    this.sock.events.on('connect', changed(1))
    this.sock.events.on('disconnect', changed(-1))
  }

  // call runs one receive() or send() bounded by the loop's deadline: the
  // library's timeout stays at BULK_POLL_MS (or what is left, if less)
  // and each EAGAIN looks at the real clock, since libuv's timers may
  // fire a little early.
  async call (prop, what, fn) {
    for (;;) {
      try {
        return await fn()
      } catch (e) {
        if (!e || e.code !== 'EAGAIN') throw zmqError(this.op, e)
        const left = this.left()
        if (left <= 0) throw new AgentError('timeout', this.op, `deadline passed waiting to ${what} (after ${this.done} timed)`)
        const t = Math.min(BULK_POLL_MS, Math.ceil(left))
        if (this.sock[prop] !== t) this.sock[prop] = t
      }
    }
  }

  async recv (size) {
    const frames = await this.call('receiveTimeout', 'receive', () => this.sock.receive())
    if (frames.length !== 1 || frames[0].length !== size) {
      throw new AgentError('other', this.op, `message of ${frames.length} frame(s), ${frames[0].length} bytes; want 1 frame of ${size}`)
    }
    return frames[0]
  }

  send (buf) {
    return this.call('sendTimeout', 'send', () => this.sock.send(buf))
  }

  // drainThenClose gives a loop's last messages until the deadline to
  // reach the peer, as libzmq's linger would before zmq_ctx_term (which
  // zeromq.js never calls before exit): it waits until the peer has
  // connected and every connection has closed again, the peer having
  // taken what it wanted, or until the deadline. The monitor's events
  // arrive asynchronously, so a connection the loop used may be counted
  // only now.
  async drainThenClose () {
    while (this.watching && !(this.everPeer && this.peers <= 0)) {
      const left = this.left()
      if (left <= 0) break
      let timer
      await new Promise((resolve) => {
        this.wake = resolve
        timer = setTimeout(resolve, Math.ceil(left))
      })
      clearTimeout(timer)
      this.wake = null
    }
    this.close()
  }

  close () {
    if (!this.sock) return
    bulkSockets.delete(this.sock)
    this.sock.close()
    this.sock = null
  }
}

// bulk runs one measurement loop in this process with zeromq.js on a
// context and socket of its own, timed with process.hrtime.bigint(). Its
// awaits let the agent go on serving other requests meanwhile.
async function bulk (req, t0) {
  const spec = Object.prototype.hasOwnProperty.call(LOOPS, req.loop) ? LOOPS[req.loop] : null
  if (!spec) throw new AgentError('other', 'bulk', `unknown loop ${JSON.stringify(req.loop)}`)
  const op = `bulk ${req.loop}`
  if (!spec.types.includes(req.socket_type)) {
    throw new AgentError('unsupported', op, `loop ${req.loop} takes ${spec.types.join(' or ')}, not ${JSON.stringify(req.socket_type)}`)
  }
  checkTransport(op, req.endpoint)
  const size = intField(req, 'size')
  const count = intField(req, 'count')
  const warmup = Math.max(intField(req, 'warmup'), 1)
  const l = new BulkLoop(req, t0)
  let ok = false
  try {
    await l.open(req, spec)
    const out = await LOOP_BODIES[req.loop](l, size, count, warmup)
    ok = true
    return { result: out }
  } finally {
    if (ok && spec.sendsLast) await l.drainThenClose()
    else l.close()
  }
}

const LOOP_BODIES = {
  // Timed from the end of the last untimed message to the last timed one.
  async throughput_recv (l, size, count, warmup) {
    for (let i = 0; i < warmup; i++) await l.recv(size)
    const start = process.hrtime.bigint()
    while (l.done < count) {
      await l.recv(size)
      l.done++
    }
    return { elapsed_ns: Number(process.hrtime.bigint() - start), count: l.done }
  },

  async throughput_send (l, size, count, warmup) {
    const buf = Buffer.alloc(size)
    const total = warmup + count
    const start = process.hrtime.bigint()
    for (let i = 0; i < total; i++) await l.send(buf)
    return { elapsed_ns: Number(process.hrtime.bigint() - start), count }
  },

  async latency_serve (l, size, count, warmup) {
    const total = warmup + count
    for (let i = 0; i < total; i++) await l.send(await l.recv(size))
    return { count }
  },

  // Each sample is one whole round trip, not halved.
  async latency_client (l, size, count, warmup) {
    const buf = Buffer.alloc(size)
    for (let i = 0; i < warmup; i++) {
      await l.send(buf)
      await l.recv(size)
    }
    const samples = new Array(count)
    const start = process.hrtime.bigint()
    let t0 = start
    while (l.done < count) {
      await l.send(buf)
      await l.recv(size)
      const t1 = process.hrtime.bigint()
      samples[l.done++] = Number(t1 - t0)
      t0 = t1
    }
    return { elapsed_ns: Number(process.hrtime.bigint() - start), count: l.done, samples_ns: samples }
  }
}

// run performs one request. Synchronous operations throw; blocking ones
// return a promise.
function run (req, frames, t0) {
  switch (req.op) {
    case 'new_context': return newContext()
    case 'close_context': return closeContext(req)
    case 'new_socket': return newSocket(req)
    case 'bind': return bind(req)
    case 'connect': return connect(req)
    case 'send': return send(req, frames, t0)
    case 'recv': return recv(req, t0)
    case 'set_option': return setOption(req)
    case 'close': return close(req)
    case 'bulk': return bulk(req, t0)
  }
  // Includes "poll": zeromq.js 6 has no poller over several sockets (its
  // readable/writable getters test one socket and cannot wait), so the
  // feature is not declared.
  throw new AgentError('unsupported', req.op, `operation ${req.op} is not supported by zeromq.js`)
}

function answer (req, frames, t0) {
  Promise.resolve()
    .then(() => run(req, frames, t0))
    .then((out) => {
      const resp = { id: req.id, ok: true }
      if (out && out.result) resp.result = out.result
      writeFrames(resp, out && out.parts)
    }, (err) => {
      const e = zmqError(req.op, err)
      writeFrames({ id: req.id, ok: false, error: { kind: e.kind, op: e.op || req.op, message: e.message } })
    })
}

// ---- input --------------------------------------------------------------

// Input is a byte stream of length-prefixed frames: a JSON request, then
// as many binary frames as its "parts" says.
const chunks = []
let buffered = 0
let pending = null // a parsed request still waiting for its binary frames
let pendingFrames = []

function take (n) {
  if (buffered < n) return null
  if (n === 0) return Buffer.alloc(0) // an empty ZeroMQ frame
  buffered -= n
  if (chunks[0].length >= n) {
    const b = chunks[0].subarray(0, n)
    if (chunks[0].length === n) chunks.shift()
    else chunks[0] = chunks[0].subarray(n)
    return b
  }
  const out = Buffer.allocUnsafe(n)
  let off = 0
  while (off < n) {
    const c = chunks[0]
    const k = Math.min(c.length, n - off)
    c.copy(out, off, 0, k)
    off += k
    if (k === c.length) chunks.shift()
    else chunks[0] = c.subarray(k)
  }
  return out
}

let frameLen = -1

// nextFrame returns the next whole frame, or null until it has arrived.
function nextFrame () {
  if (frameLen < 0) {
    const h = take(4)
    if (!h) return null
    frameLen = h.readUInt32BE(0)
    if (frameLen > MAX_FRAME) fatal(`frame of ${frameLen} bytes exceeds the protocol's limit`)
  }
  const body = take(frameLen)
  if (body) frameLen = -1
  return body
}

function onData (data) {
  chunks.push(data)
  buffered += data.length
  for (;;) {
    const f = nextFrame()
    if (!f) return
    if (pending) {
      // A view into a stdin chunk: Node.js never reuses a chunk it has
      // emitted, so the frame stays valid while zeromq.js holds it.
      pendingFrames.push(f)
    } else {
      let req
      try {
        req = JSON.parse(f.toString('utf8'))
      } catch (e) {
        fatal(`malformed request: ${e.message}`)
      }
      if (req === null || typeof req !== 'object' || Array.isArray(req)) fatal('a request is a JSON object')
      pending = req
      pendingFrames = []
    }
    const want = Number.isInteger(pending.parts) && pending.parts > 0 ? pending.parts : 0
    if (pendingFrames.length === want) {
      const req = pending
      const frames = pendingFrames
      pending = null
      pendingFrames = []
      answer(req, frames, performance.now())
    }
  }
}

function fatal (msg) {
  process.stderr.write(`zeromqjs agent: ${msg}\n`)
  process.exit(2)
}

// shutdown closes every socket still open with linger 0, so terminating
// the contexts at exit cannot block, and exits 0.
function shutdown () {
  for (const s of sockets.values()) closeSocket(s, true)
  for (const s of bulkSockets) s.close() // linger 0 since creation
  // Let the rejections of calls that were blocked run (their answers go
  // nowhere), then exit.
  setImmediate(() => process.exit(0))
}

function main () {
  const args = process.argv.slice(2)
  const i = args.indexOf('--driver')
  if (i >= 0 && args[i + 1] && args[i + 1] !== 'zeromqjs') {
    fatal(`serves driver zeromqjs, not ${args[i + 1]}`)
  }
  writeFrames({
    type: 'hello',
    protocol: PROTOCOL,
    driver: 'zeromqjs',
    version: `zeromq.js ${zmqPackage.version} (libzmq ${zmq.version})`,
    agent: `zharness-zeromqjs 0.1 (node ${process.versions.node})`,
    capabilities: {
      sockets: Object.keys(CLASSES),
      transports: TRANSPORTS,
      options: Object.keys(OPTIONS).sort(),
      features: FEATURES
    }
  })
  process.stdin.on('data', onData)
  process.stdin.on('end', shutdown)
  process.stdin.on('error', shutdown)
}

main()
