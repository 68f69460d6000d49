"""Attention and a Pre-LN transformer encoder layer, in PyTorch.

Shapes: B is the batch size, T the number of tokens of a sequence, and
``dim`` the size of a token's vector. Only ``nn.Linear``, ``nn.Softmax``,
``nn.Dropout`` and ``nn.LayerNorm`` may be used from ``torch.nn`` in the
parts you write (``torch`` functions such as ``torch.relu``,
``torch.softmax`` or ``torch.matmul`` are fine; PyTorch's own attention,
``nn.MultiheadAttention``, ``F.scaled_dot_product_attention`` and
``nn.TransformerEncoderLayer``, are not).
"""
import math

import torch
from torch import nn


class ScaledDotProductAttention(nn.Module):
    """One head of self-attention: softmax(Q K^T / sqrt(inner_dim)) V.

    Submodules:
    - q_proj, k_proj, v_proj: nn.Linear(dim, inner_dim, bias=False), the
      projections of the tokens into queries, keys and values

    After a forward pass, ``self.attn`` holds the attention weights of shape
    (B, T, T): the softmax over the last axis (the keys), so that each row
    sums to 1. Dropout, when ``dropout > 0``, is applied to those weights
    before they multiply V (``self.attn`` keeps the weights before dropout).
    """

    def __init__(self, dim, inner_dim, dropout=0.0):
        """
        Inputs:
        - dim: the size of an input token
        - inner_dim: the size of a query, a key and a value
        - dropout: the probability of dropping an attention weight in training
        """
        super().__init__()
        self.attn = None  # the attention weights (B, T, T) of the last forward pass
        # TODO: ScaledDotProductAttention.__init__: create self.q_proj, self.k_proj and self.v_proj, each nn.Linear(dim, inner_dim, bias=False), and the dropout of the attention weights, nn.Dropout(dropout).
        raise NotImplementedError('ScaledDotProductAttention.__init__: create self.q_proj, self.k_proj and self.v_proj, each nn.Linear(dim, inner_dim, bias=False), and the dropout of the attention weights, nn.Dropout(dropout).')

    def forward(self, x):
        """
        Inputs:
        - x: tokens of shape (B, T, dim)

        Returns:
        - out: of shape (B, T, inner_dim), the attention-weighted sum of the values
        """
        out = None
        # TODO: ScaledDotProductAttention.forward: compute the queries, keys and values, the scores Q K^T / sqrt(inner_dim) (B, T, T), their softmax over the last axis (keep it in self.attn), and out = dropout(self.attn) V.
        raise NotImplementedError('ScaledDotProductAttention.forward: compute the queries, keys and values, the scores Q K^T / sqrt(inner_dim) (B, T, T), their softmax over the last axis (keep it in self.attn), and out = dropout(self.attn) V.')
        return out


class MultiHeadAttention(nn.Module):
    """num_heads independent heads whose outputs are concatenated (provided).

    Submodules:
    - heads: nn.ModuleList of num_heads ScaledDotProductAttention(dim, inner_dim, dropout)
    """

    def __init__(self, dim, num_heads, inner_dim, dropout=0.0):
        super().__init__()
        self.heads = nn.ModuleList(ScaledDotProductAttention(dim, inner_dim, dropout) for _ in range(num_heads))

    def forward(self, x):
        """x (B, T, dim) -> (B, T, num_heads * inner_dim)."""
        return torch.cat([head(x) for head in self.heads], dim=-1)


class TransformerEncoderLayer(nn.Module):
    """A Pre-LN transformer encoder layer.

    The forward pass is

        x = x + dropout(out_proj(attn(norm1(x))))
        x = x + dropout(fc2(dropout(relu(fc1(norm2(x))))))

    with the submodules
    - norm1, norm2: nn.LayerNorm(dim)
    - attn: MultiHeadAttention(dim, num_heads, inner_dim, dropout)
    - out_proj: nn.Linear(num_heads * inner_dim, dim, bias=False)
    - fc1: nn.Linear(dim, mlp_dim); fc2: nn.Linear(mlp_dim, dim)
    - dropout: nn.Dropout(dropout)
    """

    def __init__(self, dim, num_heads, inner_dim, mlp_dim, dropout=0.0):
        """
        Inputs:
        - dim: the size of a token
        - num_heads: the number of attention heads
        - inner_dim: the size of each head's queries, keys and values
        - mlp_dim: the size of the hidden layer of the MLP
        - dropout: the probability of dropping a unit in training
        """
        super().__init__()
        # TODO: TransformerEncoderLayer.__init__: create self.norm1, self.attn, self.out_proj, self.norm2, self.fc1, self.fc2 and self.dropout as the class docstring lists them (out_proj has no bias).
        raise NotImplementedError('TransformerEncoderLayer.__init__: create self.norm1, self.attn, self.out_proj, self.norm2, self.fc1, self.fc2 and self.dropout as the class docstring lists them (out_proj has no bias).')

    def forward(self, x):
        """
        Inputs:
        - x: tokens of shape (B, T, dim)

        Returns:
        - out: of shape (B, T, dim)
        """
        out = None
        # TODO: TransformerEncoderLayer.forward: compute out with the two Pre-LN residual blocks of the class docstring (the attention block, then the MLP block).
        raise NotImplementedError('TransformerEncoderLayer.forward: compute out with the two Pre-LN residual blocks of the class docstring (the attention block, then the MLP block).')
        return out


def sinusoidal_positions(num_positions, dim):
    """The fixed sine/cosine position codes of "Attention is all you need", (num_positions, dim)."""
    position = torch.arange(num_positions, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    codes = torch.zeros(num_positions, dim)
    codes[:, 0::2] = torch.sin(position * frequency)
    codes[:, 1::2] = torch.cos(position * frequency[: dim // 2])
    return codes


class VisionTransformer(nn.Module):
    """A small Vision Transformer for 28x28 single-channel images (provided).

    The image is cut into non-overlapping patch_size x patch_size patches,
    each flattened and embedded by a linear layer; a learned class token is
    prepended, fixed sinusoidal position codes are added, and the tokens go
    through ``depth`` TransformerEncoderLayers. The class token's final
    vector, normalised, gives the class scores.

    Its own parameters start deterministic (zeros for the class token, fixed
    position codes); every layer's weights come from the layer's own
    ``reset_parameters``.
    """

    def __init__(self, image_size=28, patch_size=7, in_channels=1, num_classes=10, dim=32, depth=2,
                 num_heads=2, inner_dim=16, mlp_dim=64, dropout=0.0):
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"image_size {image_size} is not a multiple of patch_size {patch_size}")
        self.patch_size = patch_size
        num_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Linear(in_channels * patch_size * patch_size, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.register_buffer("positions", sinusoidal_positions(num_patches + 1, dim)[None], persistent=False)
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(dim, num_heads, inner_dim, mlp_dim, dropout) for _ in range(depth)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, images):
        """images (B, C, H, W) -> class scores (B, num_classes)."""
        B, C, H, W = images.shape
        p = self.patch_size
        patches = images.reshape(B, C, H // p, p, W // p, p).permute(0, 2, 4, 1, 3, 5)  # (B, H/p, W/p, C, p, p)
        tokens = self.patch_embed(patches.reshape(B, (H // p) * (W // p), C * p * p))  # (B, N, dim)
        tokens = torch.cat([self.cls_token.expand(B, -1, -1), tokens], dim=1) + self.positions.to(tokens.dtype)
        for layer in self.layers:
            tokens = layer(tokens)
        return self.head(self.norm(tokens[:, 0]))  # (B, num_classes)
