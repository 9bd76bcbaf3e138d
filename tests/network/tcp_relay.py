"""A loopback TCP relay a test can cut: every connection through it is dropped on `cut()`,
and `refuse()` closes the listening side so connection attempts fail until `accept()`."""

import socket
import threading


class TcpRelay:
	def __init__(self, target: tuple[str, int]):
		self.target = target
		self.port = 0
		self._listener: socket.socket | None = None
		self._pairs: list[tuple[socket.socket, socket.socket]] = []
		self._lock = threading.Lock()
		self.accepted = 0

	def accept(self) -> "TcpRelay":
		listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		listener.bind(("127.0.0.1", self.port))
		listener.listen(16)
		self.port = listener.getsockname()[1]
		self._listener = listener
		threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()
		return self

	def _accept_loop(self, listener):
		while True:
			try:
				client, _ = listener.accept()
			except OSError:
				return
			upstream = socket.create_connection(self.target)
			with self._lock:
				self._pairs.append((client, upstream))
				self.accepted += 1
			for a, b in ((client, upstream), (upstream, client)):
				threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

	@staticmethod
	def _pipe(src, dst):
		try:
			while data := src.recv(65536):
				dst.sendall(data)
		except OSError:
			pass
		for s in (src, dst):
			try:
				s.shutdown(socket.SHUT_RDWR)
			except OSError:
				pass

	def cut(self) -> None:
		with self._lock:
			pairs, self._pairs = self._pairs, []
		for pair in pairs:
			for s in pair:
				try:
					s.shutdown(socket.SHUT_RDWR)
				except OSError:
					pass
				s.close()

	def refuse(self) -> None:
		if self._listener:
			try:
				self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
			except OSError:
				pass
			self._listener.close()
			self._listener = None

	def close(self) -> None:
		self.refuse()
		self.cut()
