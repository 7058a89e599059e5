//! RISC-V fault proof VM.
