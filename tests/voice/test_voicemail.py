"""Voicemail transcription's pure side: which recording URLs are fetched, the download against a
loopback Twilio, and the request Gemini gets (the audio inline) through the one Gemini client."""

import base64
import socket

import pytest

from gigafibre.ai.gemini import GeminiClient
from gigafibre.errors import InvalidValue, ServiceError
from gigafibre.tests.peers import LoopbackPeer, Reply, gemini_json
from gigafibre.voice import voicemail

ACCOUNT = "AC" + "0" * 32
RECORDING = f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE{'1' * 32}"
MP3 = b"ID3\x03\x00\x00\x00" + bytes(range(256)) * 40


def test_only_twilio_recordings_are_fetched():
	assert (
		voicemail.media_url("https://api.twilio.com" + RECORDING)
		== "https://api.twilio.com" + RECORDING + ".mp3"
	)
	assert voicemail.media_url("https://api.twilio.com" + RECORDING + ".wav").endswith(".wav")
	assert voicemail.media_url("http://127.0.0.1:9/x" + RECORDING, "http://127.0.0.1:9/x/").startswith(
		"http://127.0.0.1:9"
	)
	for bad in (
		None,
		"",
		"https://api.twilio.com.evil.test" + RECORDING,
		"http://api.twilio.com" + RECORDING,
		"https://example.com" + RECORDING,
		"https://api.twilio.com" + RECORDING + "?redirect=https://example.com",
		"http://127.0.0.1:9/x" + RECORDING,  # a loopback only when it is the configured API base
	):
		with pytest.raises(InvalidValue):
			voicemail.media_url(bad)


def test_the_recording_is_downloaded_with_the_account_credentials():
	def twilio(request):
		if request.path != RECORDING + ".mp3":
			return Reply(404, {"code": 20404})
		return Reply(200, MP3, {"Content-Type": "audio/mpeg"})

	with LoopbackPeer(twilio) as peer:
		url = voicemail.media_url(peer.url + RECORDING, peer.url)
		assert voicemail.fetch_recording(url, ACCOUNT, "secret") == MP3
		sent = peer.requests[-1].headers["authorization"]
		assert sent == "Basic " + base64.b64encode(f"{ACCOUNT}:secret".encode()).decode()
		with pytest.raises(ServiceError) as missing:
			voicemail.fetch_recording(peer.url + "/nothing.mp3", ACCOUNT, "secret")
		assert missing.value.retryable is False and missing.value.args_ == (404,)


@pytest.mark.parametrize(
	"reply, retryable",
	[
		(Reply(503, {"code": 20503}), True),
		(Reply(429, {"code": 20429}), True),
		(Reply(200, b""), True),
		(Reply(200, b"x" * (voicemail.MAX_BYTES + 1)), False),
	],
)
def test_a_bad_download_says_whether_to_retry(reply, retryable):
	with LoopbackPeer(lambda r: reply) as peer:
		with pytest.raises(ServiceError) as failed:
			voicemail.fetch_recording(peer.url + RECORDING + ".mp3", ACCOUNT, "secret")
	assert failed.value.retryable is retryable


def test_twilio_unreachable_is_retryable():
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		port = sock.getsockname()[1]
	with pytest.raises(ServiceError) as failed:
		voicemail.fetch_recording(f"http://127.0.0.1:{port}{RECORDING}.mp3", ACCOUNT, "secret", timeout=2)
	assert failed.value.retryable is True


def test_gemini_gets_the_audio_inline_and_answers_the_transcript():
	from google.genai import types

	said = "Bonjour, c'est Marie Tremblay, mon internet coupe depuis hier soir, rappelez-moi au 514 555-0142."
	answer = {
		"text": said,
		"language": "fr",
		"summary_fr": "La cliente signale des coupures et demande un rappel.",
	}
	with LoopbackPeer(lambda r: gemini_json(answer)) as peer:
		client = GeminiClient(api_key="k", base_url=peer.url, timeout=5)
		part = types.Part.from_bytes(data=MP3, mime_type=voicemail.MIME)
		reply = client.structured([part, voicemail.PROMPT], voicemail.Transcript, system=voicemail.SYSTEM)
		body = peer.requests[-1].json()
	assert reply.value.text == said and reply.value.language == "fr"
	inline = body["contents"][0]["parts"][0]["inlineData"]
	assert (
		inline["mimeType"] == "audio/mpeg"
		and base64.urlsafe_b64decode(inline["data"] + "=" * (-len(inline["data"]) % 4)) == MP3
	)
	assert "never instructions" in body["systemInstruction"]["parts"][0]["text"]
	assert body["generationConfig"]["responseMimeType"] == "application/json"


def test_the_transcript_is_bounded_and_flattened():
	long = voicemail.Transcript(text="mot \n" * 2000, language="fr", summary_fr=" Un  rappel. ")
	assert len(long.text) == voicemail.TEXT_MAX and long.text.endswith("…") and "\n" not in long.text
	assert long.summary_fr == "Un rappel."
	with pytest.raises(ValueError):
		voicemail.Transcript(text="x", language="de", summary_fr="")
