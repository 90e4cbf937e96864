#!/usr/bin/env python3
"""serve benchmark: save-to-reload latency and request throughput.

    benches/serve.py ARCHIVE_DIR [EDITS]

Starts `target/release/hindsight serve --port 0` on ARCHIVE_DIR (e.g. one made by
../shared/bench/gen_corpus.py 10000), subscribes to the reload events like a browser,
then EDITS times (default 20) rewrites one postmortem's title and measures the time from
the write to the `reload` event. Then, if `wrk` is installed (apt-get install wrk), loads
one postmortem page for 10 s on loopback (2 threads, 32 connections) and `/api/search`
with ten rotating queries for 10 s (2 threads, 256 connections), and prints their reports
with the server's peak thread count and peak RSS during the search run. The edited file
is restored at the end. HINDSIGHT_BIN=path runs another binary (e.g. an older build).
"""
import glob
import os
import threading
import socket
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root, edits = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = os.environ.get("HINDSIGHT_BIN")
    if not binary:
        binary = os.path.join(here, "target", "release", "hindsight")
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=here, check=True)
    t0 = time.time()
    server = subprocess.Popen([binary, "--root", root, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        print(first.strip(), f"(process start to ready: {time.time() - t0:.2f} s)")
        addr = first.split("http://")[1].split("/")[0]
        host, port = addr.rsplit(":", 1)
        events = socket.create_connection((host, int(port)))
        events.sendall(f"GET /__hindsight/events HTTP/1.1\r\nHost: {addr}\r\n\r\n".encode())
        stream = events.makefile("rb")
        assert b"200" in stream.readline()
        path = sorted(glob.glob(os.path.join(root, "content", "postmortems", "*.md")))[len(glob.glob(os.path.join(root, "content", "postmortems", "*.md"))) // 2]
        original = open(path, encoding="utf-8").read()
        page = "/postmortems/" + os.path.basename(path)[:-3] + "/"
        latencies = []
        try:
            for i in range(edits):
                text = original.replace('title: "', f'title: "edit {i} ', 1)
                start = time.perf_counter()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                while True:
                    line = stream.readline()
                    if not line:
                        sys.exit("event stream closed")
                    if line.startswith(b"event: reload"):
                        break
                latencies.append((time.perf_counter() - start) * 1000)
                time.sleep(0.05)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"save -> reload event over {edits} edits: median {statistics.median(latencies):.1f} ms, "
              f"p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms (includes the watcher's 20 ms settle time)")
        if subprocess.run(["which", "wrk"], capture_output=True).returncode == 0:
            out = subprocess.run(["wrk", "-t2", "-c32", "-d10s", "--latency", f"http://{addr}{page}"], capture_output=True, text=True).stdout
            print(out)
            search_load(addr, server.pid)
        else:
            print("wrk not installed: skipping the throughput run")
    finally:
        server.terminate()
        server.wait()


QUERIES = ["database", "dns OR kafka", '"leader election"', "certificate expiry", "failover",
           "config", "latency", "checkout", "timeout", "memory"]


def search_load(addr, pid):
    """wrk on /api/search while /proc is sampled for the server's threads and peak RSS."""
    script = "/tmp/hindsight-search.lua"
    paths = ", ".join('"/api/search?q=' + q.replace(" ", "+").replace('"', "%22") + '"' for q in QUERIES)
    with open(script, "w") as f:
        f.write("local paths = {" + paths + "}\nlocal i = 0\n"
                "request = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[i % #paths + 1])\nend\n")
    # The first search builds the index; the load measures searching, not that.
    import urllib.request
    urllib.request.urlopen(f"http://{addr}/api/search?q=warm", timeout=120).read()
    peak = {"threads": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status") if ":" in line)
            peak["threads"] = max(peak["threads"], int(status["Threads"]))
            peak["rss"] = status["VmHWM"].strip()
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out = subprocess.run(["wrk", "-t2", "-c256", "-d10s", "--latency", "-s", script, f"http://{addr}"],
                         capture_output=True, text=True).stdout
    done.set()
    sampler.join()
    print("/api/search, 256 connections, ten queries in turn:")
    print(out)
    print(f"server during the search run: peak {peak['threads']} threads, peak RSS {peak.get('rss')}")


if __name__ == "__main__":
    main()
