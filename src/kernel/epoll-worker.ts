/**
 * A worker thread that sleeps in epoll_wait(2) on a ring buffer map's fd and
 * tells the main thread when records are ready: wake-ups without polling and
 * without blocking the main thread. State, shared with the main thread
 * (Int32Array): [0] stop (1 = exit), [1] ack (the main thread consumed; wait again).
 */
import { parentPort, workerData } from 'node:worker_threads';
import koffi from 'koffi';

const { fd, state: buffer } = workerData as { fd: number; state: SharedArrayBuffer };
const state = new Int32Array(buffer);
const lib = koffi.load('libc.so.6');
const epollCreate = lib.func('int epoll_create1(int flags)');
const epollCtl = lib.func('int epoll_ctl(int epfd, int op, int fd, void *event)');
const epollWait = lib.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
const close = lib.func('int close(int fd)');

const EPOLL_CLOEXEC = 0x80000;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 1;
const epfd = epollCreate(EPOLL_CLOEXEC) as number;
const event = Buffer.alloc(12); // struct epoll_event is packed on x86-64: u32 events, u64 data
event.writeUInt32LE(EPOLLIN, 0);
event.writeUInt32LE(fd, 4);
epollCtl(epfd, EPOLL_CTL_ADD, fd, event);
const ready = Buffer.alloc(12 * 4);
while (Atomics.load(state, 0) === 0) {
  // A bounded wait so that a stop request is seen within 100 ms.
  const n = epollWait(epfd, ready, 4, 100) as number;
  if (n > 0 && Atomics.load(state, 0) === 0) {
    Atomics.store(state, 1, 0);
    parentPort!.postMessage('ready');
    // Level-triggered: wait until the records were consumed before asking again.
    while (Atomics.load(state, 0) === 0 && Atomics.wait(state, 1, 0, 100) === 'timed-out');
  }
}
close(epfd);
