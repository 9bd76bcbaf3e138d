// The fake XX230v's client-side crypto, like the vendor's: the browser makes an AES key and IV,
// sends them RSA-encrypted with the modem's public key at login, then every request and answer
// body is AES-CBC ciphertext (base64). Nothing readable crosses the wire after the handshake.
(function () {
	const enc = new TextEncoder();
	const dec = new TextDecoder();
	const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
	const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
	let session = null;

	async function seal(obj) {
		const data = enc.encode(JSON.stringify(obj));
		return b64(await crypto.subtle.encrypt({ name: "AES-CBC", iv: session.iv }, session.key, data));
	}

	async function open(text) {
		const plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv: session.iv }, session.key, unb64(text.trim()));
		return JSON.parse(dec.decode(plain));
	}

	async function login(username, password) {
		const parm = await (await fetch("/cgi/getParm", { method: "POST" })).json();
		const pub = await crypto.subtle.importKey(
			"spki", unb64(parm.pubkey), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]
		);
		const raw = crypto.getRandomValues(new Uint8Array(32));
		const iv = crypto.getRandomValues(new Uint8Array(16));
		const key = await crypto.subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt", "decrypt"]);
		session = { key, iv, seq: parm.seq, token: null };
		const keyAndIv = new Uint8Array(48);
		keyAndIv.set(raw, 0);
		keyAndIv.set(iv, 32);
		const sign = b64(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, pub, keyAndIv));
		const data = await seal({ username, password, seq: ++session.seq });
		const reply = await fetch("/cgi/login", { method: "POST", body: "sign=" + sign + "\r\ndata=" + data });
		const body = await open(await reply.text());
		if (body.errorcode !== 0) {
			session = null;
			throw new Error(body.message || "login failed");
		}
		session.token = body.token;
	}

	async function read(paths) {
		if (!session || !session.token) throw new Error("not logged in");
		const data = await seal({ method: "get", paths, seq: ++session.seq });
		const reply = await fetch("/cgi_gdpr", { method: "POST", headers: { TokenID: session.token }, body: "data=" + data });
		if (reply.status !== 200) throw new Error("modem answered HTTP " + reply.status);
		const body = await open(await reply.text());
		if (body.errorcode !== 0) throw new Error(body.message || "read refused");
		return body.values;
	}

	window.$modem = { login, read };
})();
