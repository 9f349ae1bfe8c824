/**
 * A first-in first-out queue whose shift() costs the same however long it
 * is: an array's shift() moves every element once the array is large, as
 * 20,000 queued tasks make the executor's queue, and as the tasks handed
 * out at shutdown make a pool thread's list of running tasks.
 */
export class Fifo<T> {
  private list: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.list.length - this.head;
  }

  push(item: T): void {
    this.list.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.list.length) return undefined;
    const item = this.list[this.head];
    this.list[this.head++] = undefined;
    // Drop the consumed front once it is most of the array.
    if (this.head >= 1024 && this.head * 2 >= this.list.length) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The first item, left queued. */
  peek(): T | undefined {
    return this.list[this.head];
  }

  /** The first queued item that `test` accepts. */
  find(test: (item: T) => boolean): T | undefined {
    for (let i = this.head; i < this.list.length; i++) if (test(this.list[i] as T)) return this.list[i];
    return undefined;
  }

  /** Takes out the first queued item that `test` accepts, and returns it. */
  remove(test: (item: T) => boolean): T | undefined {
    for (let i = this.head; i < this.list.length; i++) {
      const item = this.list[i] as T;
      if (test(item)) {
        this.list.splice(i, 1);
        return item;
      }
    }
    return undefined;
  }

  /** Puts `items` before the queued ones, in their order. */
  unshift(items: T[]): void {
    this.list = [...items, ...this.list.slice(this.head)];
    this.head = 0;
  }

  /** The queued items, first first. */
  items(): T[] {
    return this.list.slice(this.head) as T[];
  }

  /** Empties the queue and returns what it held, first first. */
  drain(): T[] {
    const all = this.items();
    this.list = [];
    this.head = 0;
    return all;
  }
}
