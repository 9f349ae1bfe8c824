// threading_event.py
const threading = require('pthreading');
const { logging, sleep } = threading;

function wait_for_event(e) {
  // Wait for the event to be set before doing anything
  logging.debug('wait_for_event starting');
  const event_is_set = e.wait();
  logging.debug('event set: %s', event_is_set);
}

function wait_for_event_timeout(e, t) {
  // Wait t seconds and then timeout
  while (!e.isSet()) {
    logging.debug('wait_for_event_timeout starting');
    const event_is_set = e.wait(t);
    logging.debug('event set: %s', event_is_set);
    if (event_is_set) {
      logging.debug('processing event');
    } else {
      logging.debug('doing other work');
    }
  }
}

logging.basicConfig({
  level: logging.DEBUG,
  format: '(%(threadName)-10s) %(message)s',
});

const e = new threading.Event();
const t1 = new threading.Thread({
  name: 'block',
  target: wait_for_event,
  args: [e],
});
t1.start();

const t2 = new threading.Thread({
  name: 'nonblock',
  target: wait_for_event_timeout,
  args: [e, 2],
});
t2.start();

logging.debug('Waiting before calling Event.set()');
sleep(5);
e.set();
logging.debug('Event is set');
