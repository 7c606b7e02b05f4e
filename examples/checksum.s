# The 16-bit ones'-complement checksum (RFC 1071) of the input memory.
# r1 = address, r2 = length in bytes (even). Try:
#   tsbpf run examples/checksum.s --mem "45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7"
# which prints 0xb861, the checksum of that IPv4 header.
    mov %r0, 0
    mov %r3, %r1
    add %r3, %r2
loop:
    jge %r1, %r3, fold
    ldxh %r4, [%r1]
    be16 %r4
    add %r0, %r4
    add %r1, 2
    ja loop
fold:
    mov %r5, %r0
    rsh %r5, 16
    and %r0, 0xffff
    add %r0, %r5
    jgt %r0, 0xffff, fold
    xor %r0, 0xffff
    exit
