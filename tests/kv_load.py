"""For tests/example_kv.sh. `load PORT OUT`: 8 writers PUT keys w<i>-<n>
with value v<n>-<i>, each on a keep-alive connection, one after another,
until the server goes away; every PUT answered 204 is written to OUT
(after its answer, at once, so the test can watch the count grow). `check PORT FILE`: every key in FILE must GET back its
value; prints the count."""
import http.client
import sys
import threading

mode, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def writer(i, acked, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = 0
    try:
        while True:
            key, value = f"w{i}-{n}", f"v{n}-{i}" * (1 + n % 7)
            conn.request("PUT", "/kv/" + key, body=value)
            r = conn.getresponse()
            r.read()
            if r.status != 204:
                print(f"FAIL: PUT {key} answered {r.status}")
                return
            with lock:
                acked.write(f"{key} {value}\n")
                acked.flush()
            n += 1
    except (OSError, http.client.HTTPException) as e:
        if n == 0:
            print(f"writer {i}: no PUT went through: {e!r}")
        return   # the server was killed


if mode == "load":
    acked, lock = open(path, "w"), threading.Lock()
    threads = [threading.Thread(target=writer, args=(i, acked, lock)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acked.close()
    print(f"{len(open(path).read().splitlines())} PUTs acknowledged")
else:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    bad = 0
    lines = open(path).read().splitlines()
    for line in lines:
        key, value = line.split(" ", 1)
        conn.request("GET", "/kv/" + key)
        r = conn.getresponse()
        got = r.read().decode()
        if r.status != 200 or got != value:
            bad += 1
            if bad <= 5:
                print(f"FAIL: {key}: {r.status} {got[:40]!r}, acknowledged {value[:40]!r}")
    print(f"{len(lines) - bad} of {len(lines)} acknowledged PUTs there after the restart")
    sys.exit(1 if bad or not lines else 0)
