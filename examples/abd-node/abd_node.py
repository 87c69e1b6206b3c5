#!/usr/bin/env python3
"""A multi-writer ABD register as an external quorumbench node (Maelstrom's node protocol).

Attiya, Bar-Noy and Dolev's atomic register in its multi-writer form: n = 2t + 1 servers, quorums of
t + 1 (a majority). Every server keeps, per key, the value with the highest timestamp it has seen; a
timestamp is a pair (number, writer), ordered lexicographically.

  write(v): ask every server for its timestamp, wait for a majority, take the highest number;
            store (number + 1, writer) with v on every server, wait for a majority of acks.
  read():   ask every server for its (timestamp, value), wait for a majority, take the highest;
            write it back to every server, wait for a majority of acks, return the value.

Both take 2 rounds. The read's write-back is what makes reads atomic: without it, a read can return
a value that a later read does not see (the "new-old inversion").

The node speaks JSON lines on stdin/stdout. It answers `init` (`node_id`, `node_ids` = the servers,
`role`), Maelstrom lin-kv requests (`read`, `write` with a `key`) from any sender (the harness, or a
workload client), `barrier` (answered after everything earlier, so the simulator needs no quiet
period), and its own messages between nodes: abd_get, abd_get_ts, abd_put and their _ok replies.
A node whose id is not among `node_ids` is a client: it coordinates operations and stores nothing.
Replies carry `rounds`, the protocol rounds the operation took. No clock, no randomness: given the
same messages in the same order, it writes the same messages.
"""
import json
import sys


def ts_key(ts):
    """Timestamps are [number, writer]; compare them as tuples."""
    return (ts[0], ts[1])


class Operation:
    """One lin-kv request being coordinated: a phase at a time, each a broadcast and a quorum wait."""

    def __init__(self, request_src, request, phase):
        self.request_src = request_src
        self.request = request
        self.phase = phase
        self.replies = []
        self.rounds = 1


class Node:
    def __init__(self, out):
        self.out = out
        self.node_id = None
        self.servers = []
        self.next_msg_id = 1
        # Server state: key -> (timestamp, value).
        self.store = {}
        # Operations this node coordinates, by the msg_id of their current phase's requests.
        self.by_msg = {}
        # Writes coordinated here so far: with the node id, each write's timestamp is unique, even when
        # this node coordinates several clients' writes at once.
        self.write_seq = 0

    def send(self, dest, body):
        body["msg_id"] = self.next_msg_id
        self.next_msg_id += 1
        self.out.append({"src": self.node_id, "dest": dest, "body": body})
        return body["msg_id"]

    def reply(self, request_src, request, body):
        body["in_reply_to"] = request["msg_id"]
        self.send(request_src, body)

    def quorum(self):
        return len(self.servers) // 2 + 1

    # ----------------------------------------------------------------- dispatch

    def handle(self, message):
        src = message["src"]
        body = message["body"]
        kind = body["type"]
        if kind == "init":
            self.node_id = body["node_id"]
            self.servers = list(body["node_ids"])
            self.reply(src, body, {"type": "init_ok"})
        elif kind == "barrier":
            self.reply(src, body, {"type": "barrier_ok"})
        elif kind in ("read", "write"):
            self.start(src, body)
        elif kind == "abd_get":
            ts, value = self.store.get(body["key"], ([0, ""], None))
            self.reply(src, body, {"type": "abd_get_ok", "ts": ts, "value": value})
        elif kind == "abd_get_ts":
            ts, _ = self.store.get(body["key"], ([0, ""], None))
            self.reply(src, body, {"type": "abd_get_ts_ok", "ts": ts})
        elif kind == "abd_put":
            current_ts, _ = self.store.get(body["key"], ([0, ""], None))
            if ts_key(body["ts"]) > ts_key(current_ts):
                self.store[body["key"]] = (body["ts"], body["value"])
            self.reply(src, body, {"type": "abd_put_ok"})
        elif kind in ("abd_get_ok", "abd_get_ts_ok", "abd_put_ok"):
            self.collect(body)
        elif "msg_id" in body:
            self.reply(src, body, {"type": "error", "code": 10, "text": "not supported: " + kind})

    # ----------------------------------------------------------------- coordinating operations

    def broadcast(self, op, body):
        """One round: the same request to every server; replies are matched by their msg_id."""
        op.replies = []
        for server in self.servers:
            msg_id = self.send(server, dict(body))
            self.by_msg[msg_id] = op

    def start(self, src, request):
        key = request["key"]
        if request["type"] == "write":
            op = Operation(src, request, "query-ts")
            self.broadcast(op, {"type": "abd_get_ts", "key": key})
        else:
            op = Operation(src, request, "query")
            self.broadcast(op, {"type": "abd_get", "key": key})

    def collect(self, body):
        op = self.by_msg.pop(body["in_reply_to"], None)
        if op is None:
            return
        op.replies.append(body)
        if len(op.replies) != self.quorum():
            return
        # The phase is decided by this quorum: the replies still to come are ignored.
        for msg_id in [m for m, o in self.by_msg.items() if o is op]:
            del self.by_msg[msg_id]
        self.advance(op)

    def advance(self, op):
        key = op.request["key"]
        if op.phase == "query-ts":
            number = max(reply["ts"][0] for reply in op.replies)
            self.write_seq += 1
            ts = [number + 1, "%s.%d" % (self.node_id, self.write_seq)]
            op.phase, op.rounds = "update", 2
            self.broadcast(op, {"type": "abd_put", "key": key, "ts": ts, "value": op.request["value"]})
        elif op.phase == "query":
            best = max(op.replies, key=lambda reply: ts_key(reply["ts"]))
            op.value = best["value"]
            op.phase, op.rounds = "write-back", 2
            self.broadcast(op, {"type": "abd_put", "key": key, "ts": best["ts"], "value": best["value"]})
        elif op.phase == "update":
            self.reply(op.request_src, op.request, {"type": "write_ok", "rounds": op.rounds})
        elif op.phase == "write-back":
            self.reply(op.request_src, op.request, {"type": "read_ok", "value": op.value, "rounds": op.rounds})


def main():
    out = []
    node = Node(out)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        node.handle(json.loads(line))
        # Everything this message caused is written before the next one is read (barrier relies on it).
        for message in out:
            sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
        out.clear()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
