"""The sandbox gateway: a stand-in for a real AITRE gateway with the same HTTP contract, served under
/sandbox/.

It is deliberately self-contained: nothing here imports the studio's own apps, because it plays a server on
the other side of the network. The fault vocabulary is documented in `faults.py`.
"""
