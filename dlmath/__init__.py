"""The deck's mathematics, one home per formula: figures and worked examples compute
through these plain numpy functions, and tests/dlmath checks each one once, by hand and
against PyTorch where PyTorch computes the same thing. Split by topic; no ankigen or
matplotlib here, so a formula can be read and tested on its own."""
