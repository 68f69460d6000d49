"""Lets the starter's package imports work in this flat folder (provided; do not edit).

The SP23 starter kept its modules in a package, ``neural_networks/``, and
imported them as ``from neural_networks.activations import ...``. Here the
modules sit side by side (``activations.py``, ``layers.py``, ...) and import
each other directly (``from activations import ...``); this module makes the
package form work too, by giving ``neural_networks`` this folder as its path.
"""
import os

__path__ = [os.path.dirname(os.path.abspath(__file__))]
