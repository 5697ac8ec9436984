"""Strangers on a job's bootstrap port: strangers.py HOST PORT SECONDS. Until SECONDS pass, one connection at a time sends
64 bytes of garbage and closes, while another connects and stays silent; refused connections (nobody listening yet)
are retried. The job must still form and finish."""
import os
import socket
import sys
import time

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.time() + seconds
silent = None
while time.time() < end:
    try:
        if silent is None:
            silent = socket.create_connection((host, port), timeout=1)
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(os.urandom(64))
    except OSError:
        silent = None
    time.sleep(0.2)
