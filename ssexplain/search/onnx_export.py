"""Export the index's sentence-transformers model to ONNX at build time, and prove it.

Serving then needs only onnxruntime and tokenizers (see `embedding.OnnxEncoder`). The
export is torch's own TorchScript exporter, run while the build has torch loaded anyway;
sentence-transformers' ONNX backend would need `optimum-onnx`, which cannot be installed
beside sentence-transformers 6.2. The exported graph stops at the transformer's last hidden
state: pooling and normalisation are a few numpy lines that follow the model's config.

An export is kept only if, on every check text, its vector matches sentence-transformers'
(cosine >= MIN_COSINE); otherwise the build fails with a message saying so.

The build also writes an int8 copy (`quantize_int8`), served only when a host asks for it
(SSEXPLAIN_ENCODER=onnx-int8): its vectors are near the fp32 ones, not equal, so it is
proven on the retrieval and safety figures, not by a cosine (docs/BENCHMARKS.md).
"""
from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np

from ssexplain.errors import ModelError
from ssexplain.search.embedding import (
    DATA_SUFFIX, ONNX_DIR, ONNX_FILE, ONNX_INPUTS, ONNX_INT8_FILE, OnnxEncoder, TorchEncoder,
)

MIN_COSINE = 0.9999
# Tensors at least this big go to the data file (every weight matrix; small biases stay inline).
EXTERNAL_MIN_BYTES = 1024
# The int8 copy's floor against fp32: well below what it reaches (0.975 worst on the dev
# questions), so only a broken quantisation fails the build.
MIN_INT8_COSINE = 0.95
OPSET = 17
CHECK_TEXTS = 300


def export_onnx(encoder: TorchEncoder, *, threads: int = 1) -> Path:
    """Write `<model folder>/onnx/model.onnx` for the model `encoder` has loaded."""
    import torch

    transformer = encoder.model[0].auto_model
    transformer.eval()
    sample = encoder.model.tokenizer(["a short text", "a somewhat longer text to pad"], padding=True, return_tensors="pt")
    names = [n for n in ONNX_INPUTS if n in sample]

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, inputs))).last_hidden_state

    out_dir = encoder.path / ONNX_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / (ONNX_FILE + ".partial")
    dynamic = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    # The exporter's warnings are about graph details it handles; they only alarm a reader.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(transformer),
            tuple(sample[n] for n in names),
            str(partial),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )
    store_weights_apart(partial, out_dir / ONNX_FILE)
    return out_dir / ONNX_FILE


def store_weights_apart(source: Path, target: Path) -> None:
    """Save the graph in `source` as `target`, its weights in `<target>.data` beside it.

    onnxruntime memory-maps such a file, so a serving worker's resident memory holds only
    the weights it has touched; the numbers in the file are the exported ones, unchanged.
    """
    import onnx

    model = onnx.load(str(source))
    data = target.with_name(target.name + DATA_SUFFIX)
    data.unlink(missing_ok=True)  # onnx appends to an existing data file
    staged = target.with_name(target.name + ".staged")
    onnx.save_model(
        model, str(staged), save_as_external_data=True, all_tensors_to_one_file=True,
        location=data.name, size_threshold=EXTERNAL_MIN_BYTES,
    )
    staged.replace(target)
    data.chmod(0o644)  # onnx writes it private; the server may run as another user than the build
    source.unlink(missing_ok=True)


def check_export(torch_encoder: TorchEncoder, texts: list[str], *, threads: int = 1) -> dict:
    """Compare the ONNX and sentence-transformers vectors of `texts`; raise if any differ."""
    started = time.perf_counter()
    onnx_encoder = OnnxEncoder(torch_encoder.path, threads=threads)
    expected = torch_encoder.encode(texts)
    got = onnx_encoder.encode(texts)
    cosines = np.sum(expected * got, axis=1)
    worst = int(np.argmin(cosines))
    if cosines[worst] < MIN_COSINE:
        raise ModelError(
            f"the ONNX export does not match sentence-transformers (cosine {cosines[worst]:.6f} < {MIN_COSINE} "
            f"on text {worst + 1} of {len(texts)}); the index was not built"
        )
    return {
        "file": f"{ONNX_DIR}/{ONNX_FILE}",
        "checked_texts": len(texts),
        "min_cosine": round(float(cosines.min()), 7),
        "check_seconds": round(time.perf_counter() - started, 2),
    }


def quantize_int8(folder: Path, texts: list[str]) -> dict:
    """Write `onnx/model.int8.onnx` beside the fp32 export and compare the two on `texts`.

    Dynamic quantisation of the matrix multiplications only, one scale per output channel:
    per-tensor scales over every operator moved vectors too far (mean cosine 0.96).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    started = time.perf_counter()
    source, target = folder / ONNX_DIR / ONNX_FILE, folder / ONNX_DIR / ONNX_INT8_FILE
    partial = target.with_name(ONNX_INT8_FILE + ".partial")
    quantize_dynamic(
        str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True,
        op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True},
    )
    store_weights_apart(partial, target)
    fp32, int8 = OnnxEncoder(folder), OnnxEncoder(folder, file=ONNX_INT8_FILE)
    cosines = np.sum(fp32.encode(texts) * int8.encode(texts), axis=1)
    if cosines.min() < MIN_INT8_COSINE:
        target.unlink()
        target.with_name(target.name + DATA_SUFFIX).unlink(missing_ok=True)
        raise ModelError(
            f"the int8 copy of the ONNX model is too far from fp32 (cosine {cosines.min():.4f} < {MIN_INT8_COSINE}); "
            "the index was not built"
        )
    return {
        "file": f"{ONNX_DIR}/{ONNX_INT8_FILE}",
        "checked_texts": len(texts),
        "mean_cosine_to_fp32": round(float(cosines.mean()), 4),
        "min_cosine_to_fp32": round(float(cosines.min()), 4),
        "seconds": round(time.perf_counter() - started, 2),
    }


def check_sample(texts: list[str], *, limit: int = CHECK_TEXTS) -> list[str]:
    """An even spread of `limit` texts: short questions and long passages alike."""
    if len(texts) <= limit:
        return list(texts)
    step = len(texts) / limit
    return [texts[int(n * step)] for n in range(limit)]
