#!/usr/bin/env python3
"""Hugging Face-style checkpoints (config.json, tokenizer.json, model.safetensors) for the tests of
`crest model convert`. Uses make_fixtures.py as a library and leaves every file it writes untouched.

    /usr/bin/python3 tools/make_checkpoints.py                          # committed checkpoint fixtures
    /usr/bin/python3 tools/make_checkpoints.py --base-shape /tmp/ckpt   # xlm-roberta-base shape (NOT committed)

Writes under src/test/resources/fixtures/:
  checkpoint-tiny/        the demo classifier's weights (same seed, same calibration) as F32 safetensors
  checkpoint-tiny-f16/    the same weights stored as F16
  checkpoint-tiny-bf16/   the same weights stored as BF16
  checkpoint-independent/ another seed and shape (3 layers, hidden 48, 6 heads, intermediate 80,
                          layer_norm_eps 1e-6, max_position_embeddings 130, the independent tokenizer),
                          with an I64 roberta.embeddings.position_ids buffer as older transformers saved it
  reference/checkpoint_tiny_rounded.jsonl      torch logits of the demo model with F16- and BF16-rounded weights
  reference/checkpoint_independent.jsonl       torch logits and last_hidden_state of checkpoint-independent
See tools/README.md ("Checkpoints").
"""
import argparse
import hashlib
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402

FIX = mf.FIX
TINY_DIR = FIX / "checkpoint-tiny"
TINY_F16_DIR = FIX / "checkpoint-tiny-f16"
TINY_BF16_DIR = FIX / "checkpoint-tiny-bf16"
INDEP_DIR = FIX / "checkpoint-independent"
TINY_ROUNDED_REF = mf.REFERENCE_DIR / "checkpoint_tiny_rounded.jsonl"
INDEP_REF = mf.REFERENCE_DIR / "checkpoint_independent.jsonl"

CKPT_INDEPENDENT = dict(
    name="crest-tiny-checkpoint-independent", seed=99173, sp_vocab=5000, layers=3, hidden=48, heads=6,
    intermediate=80, init_std=0.02, encoder_std=0.1, labels=("LABEL_0", "LABEL_1"),
)
INDEP_MAX_POSITIONS = 130
INDEP_EPS = 1e-6
LABELS = ("LABEL_0", "LABEL_1")


# --------------------------------------------------------------------------------------------------
# safetensors, written by hand: u64 LE header length, JSON header, raw little-endian data
# --------------------------------------------------------------------------------------------------

def tensor_bytes(t, dtype):
    """Little-endian bytes of a torch tensor stored as dtype F32, F16, BF16 or I64."""
    t = t.detach().contiguous()
    if dtype == "F32":
        a = t.to(torch.float32).numpy().astype("<f4")
    elif dtype == "F16":
        a = t.to(torch.float32).numpy().astype("<f2")  # round to nearest even
    elif dtype == "BF16":
        a = t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2")  # torch rounds to nearest even
    elif dtype == "I64":
        a = t.to(torch.int64).numpy().astype("<i8")
    else:
        raise ValueError(dtype)
    return a.tobytes()


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, torch tensor, dtype). Data in the given order; header padded with spaces
    to a multiple of 8 bytes, as the safetensors library does."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t, dtype in tensors:
        b = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Round-trip check of write_safetensors: {name: float32/int64 numpy array}."""
    raw = Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        s, e = info["data_offsets"]
        buf = data[s:e]
        if info["dtype"] == "F32":
            a = np.frombuffer(buf, "<f4")
        elif info["dtype"] == "F16":
            a = np.frombuffer(buf, "<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            a = (np.frombuffer(buf, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(buf, "<i8")
        out[name] = a.reshape(info["shape"])
    return out


def state_tensors(model, dtype):
    """HF key names, in state_dict order; token_type_embeddings etc. included as HF saves them."""
    return [(k, v, dtype) for k, v in model.state_dict().items()]


def rounded_copy(model, c, dtype):
    """A copy of the model whose float weights went through dtype (F16 or BF16) and back to float32."""
    m = mf.XlmRobertaForSequenceClassification(c).eval()
    sd = {}
    for k, v in model.state_dict().items():
        sd[k] = v.to(torch.float16 if dtype == "F16" else torch.bfloat16).to(torch.float32)
    m.load_state_dict(sd)
    return m


def write_checkpoint(out_dir, c, model, dtype, tokenizer_json, extra_tensors=()):
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = mf.hf_config(dict(c, labels=LABELS), "XLMRobertaForSequenceClassification",
                       extra={"torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype]})
    mf.write_json(out_dir / "config.json", cfg)
    mf.write_json(out_dir / "tokenizer.json", tokenizer_json, indent=None)
    tensors = state_tensors(model, dtype) + list(extra_tensors)
    write_safetensors(out_dir / "model.safetensors", tensors, metadata={"format": "pt"})
    back = read_safetensors(out_dir / "model.safetensors")
    for name, t, dt in tensors:
        if dt == "F32":
            assert np.array_equal(back[name], t.numpy()), name
    size = (out_dir / "model.safetensors").stat().st_size
    mf.log(f"  {out_dir.relative_to(mf.REPO)}: model.safetensors {dtype} {size} bytes, {len(tensors)} tensors")


# --------------------------------------------------------------------------------------------------

def make_tiny(hand, udhr):
    mf.log("demo tokenizer and model (as make_fixtures.py builds them) ...")
    tok = mf.SpTokenizer(mf.train_sentencepiece(mf.demo_training_lines(hand, udhr), mf.DEMO["sp_vocab"],
                                                mf.DEMO["seed"]))
    items = mf.reference_items(tok, hand)
    c, model = mf.new_model(mf.DEMO, tok, [it["text"] for it in items])
    # The same weights as the committed demo bundle: the torch logits equal its reference logits bit for bit.
    refs = {json.loads(l)["id"]: json.loads(l) for l in open(mf.REFERENCE_DIR / "tiny_classifier.jsonl",
                                                              encoding="utf-8")}
    worst = 0.0
    for it in items[:40]:
        r = refs[it["id"]]
        got = mf.run_classifier(model, r["windows"]["512_256"]["ids"][0])
        worst = max(worst, float(np.abs(got - np.array(r["logits"], dtype=np.float32)).max()))
    assert worst == 0.0, f"demo weights differ from the committed reference (max |diff| {worst})"
    mf.log("  torch logits equal tiny_classifier.jsonl exactly: same weights as the demo bundle")

    tj = tok.tokenizer_json()
    write_checkpoint(TINY_DIR, c, model, "F32", tj)
    write_checkpoint(TINY_F16_DIR, c, model, "F16", tj)
    write_checkpoint(TINY_BF16_DIR, c, model, "BF16", tj)

    m16, mb16 = rounded_copy(model, c, "F16"), rounded_copy(model, c, "BF16")
    rows, d16, db16 = [], 0.0, 0.0
    for it in items:
        r = refs[it["id"]]
        ids = r["windows"]["512_256"]["ids"][0]
        l16, lb16 = mf.run_classifier(m16, ids), mf.run_classifier(mb16, ids)
        l32 = np.array(r["logits"], dtype=np.float32)
        d16, db16 = max(d16, float(np.abs(l16 - l32).max())), max(db16, float(np.abs(lb16 - l32).max()))
        rows.append({"id": it["id"], "logits_f16": [float(x) for x in l16], "logits_bf16": [float(x) for x in lb16]})
    mf.write_jsonl(TINY_ROUNDED_REF, rows)
    mf.log(f"  rounding the weights moves the logits by up to {d16:.2e} (F16), {db16:.2e} (BF16)")


def make_independent(hand, udhr):
    c0 = CKPT_INDEPENDENT
    mf.log("independent checkpoint: tokenizer (the independent bundle's recipe) ...")
    tok = mf.SpTokenizer(mf.train_sentencepiece(mf.independent_training_lines(hand, udhr), c0["sp_vocab"],
                                                mf.INDEPENDENT["seed"]))
    texts = [(i, l, t) for i, l, t in mf.CHAT_ROWS[:22]]
    saved = mf.MAX_POSITIONS, mf.LAYER_NORM_EPS
    mf.MAX_POSITIONS, mf.LAYER_NORM_EPS = INDEP_MAX_POSITIONS, INDEP_EPS
    try:
        c, model = mf.new_model(c0, tok, [t for _, _, t in texts])
        assert model.roberta.embeddings.LayerNorm.eps == INDEP_EPS
        assert model.roberta.embeddings.position_embeddings.num_embeddings == INDEP_MAX_POSITIONS
        position_ids = torch.arange(INDEP_MAX_POSITIONS, dtype=torch.int64)[None, :]
        write_checkpoint(INDEP_DIR, c, model, "F32", tok.tokenizer_json(),
                         extra_tensors=[("roberta.embeddings.position_ids", position_ids, "I64")])
    finally:
        mf.MAX_POSITIONS, mf.LAYER_NORM_EPS = saved
    rows, ps = [], []
    for rid, lang, text in texts:
        ids = [mf.BOS] + tok.content_ids(text) + [mf.EOS]
        assert len(ids) + 2 <= INDEP_MAX_POSITIONS
        t = torch.tensor([ids], dtype=torch.int64)
        with torch.no_grad():
            logits = model(t, torch.ones_like(t))[0].numpy()
            hidden = model.roberta(t, torch.ones_like(t))[0].numpy()
        ps.append(mf.p_unsafe(logits))
        rows.append({"id": rid, "lang": lang, "text": text, "ids": ids,
                     "logits": [float(x) for x in logits], "p_unsafe": ps[-1],
                     "last_hidden_state": [[float(x) for x in row] for row in hidden]})
    mf.write_jsonl(INDEP_REF, rows)
    mf.log(f"  {len(rows)} reference sentences; P(unsafe) {mf.spread(ps)}")


def make_base_shape(out_dir):
    """xlm-roberta-base shape, random weights, F32 safetensors (~1.1 GB) plus torch logits of one input."""
    c = dict(mf.BASE_SHAPE)
    out_dir = Path(out_dir)
    mf.log(f"base-shape checkpoint -> {out_dir} ...")
    torch.manual_seed(c["seed"])
    model = mf.XlmRobertaForSequenceClassification(c).eval()
    mf.init_weights(model, c["seed"], c["init_std"], c["encoder_std"])
    with torch.no_grad():
        model.classifier.out_proj.weight.mul_(25.0)
    out_dir.mkdir(parents=True, exist_ok=True)
    mf.write_json(out_dir / "config.json", mf.hf_config(c, "XLMRobertaForSequenceClassification"))
    hand, udhr = mf.load_corpus()
    tok = mf.SpTokenizer(mf.train_sentencepiece(mf.demo_training_lines(hand, udhr), mf.DEMO["sp_vocab"],
                                                mf.DEMO["seed"]))
    mf.write_json(out_dir / "tokenizer.json", tok.tokenizer_json(), indent=None)
    write_safetensors(out_dir / "model.safetensors", state_tensors(model, "F32"), metadata={"format": "pt"})
    ids = [[mf.BOS, 100, 200, 300, mf.EOS], [mf.BOS, 7, 8, mf.EOS, mf.PAD]]
    t = torch.tensor(ids)
    with torch.no_grad():
        logits = model(t, (t != mf.PAD).long()).tolist()
    mf.write_json(out_dir / "reference.json", {"input_ids": ids, "logits": logits})
    mf.log(f"  logits {logits}; model.safetensors {(out_dir / 'model.safetensors').stat().st_size / 1e6:.1f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-shape", metavar="OUT_DIR",
                    help="write only an xlm-roberta-base-shaped random checkpoint (~1.1 GB) to OUT_DIR")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    t0 = time.time()
    if args.base_shape:
        make_base_shape(args.base_shape)
    else:
        hand, udhr = mf.load_corpus()
        make_tiny(hand, udhr)
        make_independent(hand, udhr)
        for d in (TINY_DIR, TINY_F16_DIR, TINY_BF16_DIR, INDEP_DIR):
            for p in sorted(d.iterdir()):
                h = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
                mf.log(f"  {p.relative_to(mf.REPO)}  {p.stat().st_size:>9}  sha256:{h}")
        for p in (TINY_ROUNDED_REF, INDEP_REF):
            mf.log(f"  {p.relative_to(mf.REPO)}  {p.stat().st_size:>9}")
    mf.log(f"done in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
