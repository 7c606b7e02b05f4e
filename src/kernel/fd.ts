/**
 * File descriptors owned by objects: closed by `close()`, and by the garbage
 * collector as a last resort, so a forgotten object does not leak its fd.
 */
import { closeFd } from './syscall.js';

const registry = new FinalizationRegistry<number>((fd) => closeFd(fd));

export class FileDescriptor {
  #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
    registry.register(this, fd, this);
  }

  /** The raw fd; throws once closed. */
  get value(): number {
    if (this.#fd < 0) throw new Error('file descriptor is closed');
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  close(): void {
    if (this.#fd < 0) return;
    registry.unregister(this);
    closeFd(this.#fd);
    this.#fd = -1;
  }
}
