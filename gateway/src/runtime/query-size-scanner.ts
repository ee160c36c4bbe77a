/**
 * Measures the top-level `"query"` string of a JSON request body while its bytes arrive: the UTF-8 size the
 * string will have once decoded, escapes included. A document over the limit is then refused without buffering
 * the rest of the body, decoding it to a string, or JSON-parsing it (three copies of up to 1 MiB per request,
 * which a stream of such requests turns into hundreds of MiB of heap growth before the collector catches up).
 *
 * Not a JSON validator: on malformed JSON the figure means nothing, and JSON.parse reports the error later. On
 * valid JSON it is exact (a lone surrogate escape counts 3 bytes, as Buffer.byteLength counts its replacement).
 */
export class QuerySizeScanner {
  /** Largest decoded size of a top-level "query" string value seen so far (the one in progress included). */
  largest = 0;
  private depth = 0;
  private inString = false;
  private escape = 0; // 0 none; 1 after '\'; 2..5 reading the 4 hex digits of \uXXXX
  private hex = 0;
  private highSurrogate = false;
  private expectKey = false; // at depth 1: the next string is a key
  private key: string | null = ''; // the key being read (null once longer than any key we care about)
  private lastKey: string | null = null;
  private inValue = false; // at depth 1: after ':' until ',' or '}'
  private valueKey: string | null = null;
  private measuring = false; // inside the string value of "query"
  private size = 0;

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.inString) this.stringByte(b);
      else this.structureByte(b);
    }
  }

  private structureByte(b: number): void {
    switch (b) {
      case 0x22: // "
        this.inString = true;
        if (this.depth === 1 && this.expectKey) this.key = '';
        else if (this.depth === 1 && this.inValue && this.valueKey === 'query') { this.measuring = true; this.size = 0; }
        break;
      case 0x7b: case 0x5b: // { [
        this.depth++;
        if (this.depth === 1) this.expectKey = b === 0x7b;
        break;
      case 0x7d: case 0x5d: // } ]
        this.depth--;
        if (this.depth === 1) this.inValue = true; // the nested value ended; still in the top-level value
        break;
      case 0x3a: // :
        if (this.depth === 1) { this.inValue = true; this.valueKey = this.lastKey; }
        break;
      case 0x2c: // ,
        if (this.depth === 1) { this.inValue = false; this.expectKey = true; }
        break;
    }
  }

  private stringByte(b: number): void {
    const keyMode = this.depth === 1 && this.expectKey;
    if (this.escape === 1) {
      this.escape = 0;
      if (b === 0x75) { this.escape = 2; this.hex = 0; return; } // \u
      this.decoded(b === 0x62 ? 8 : b === 0x66 ? 12 : b === 0x6e ? 10 : b === 0x72 ? 13 : b === 0x74 ? 9 : b, keyMode);
      return;
    }
    if (this.escape >= 2) {
      const d = b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57;
      this.hex = (this.hex << 4) | (d & 0xf);
      if (++this.escape === 6) { this.escape = 0; this.decoded(this.hex, keyMode, true); }
      return;
    }
    if (b === 0x5c) { this.escape = 1; return; }
    if (b === 0x22) { // end of string
      this.inString = false;
      if (keyMode) { this.lastKey = this.key; this.expectKey = false; }
      if (this.measuring) this.measuring = false;
      this.highSurrogate = false;
      return;
    }
    this.highSurrogate = false;
    if (keyMode) this.keyChar(b);
    else if (this.measuring) this.grow(1); // raw UTF-8 bytes count as they are
  }

  /** One decoded UTF-16 code unit (escapes) or ASCII byte (simple escapes). */
  private decoded(unit: number, keyMode: boolean, fromHex = false): void {
    if (keyMode) { this.keyChar(unit); return; }
    if (!this.measuring) return;
    if (!fromHex || unit < 0x80) { this.highSurrogate = false; this.grow(unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3); return; }
    if (unit < 0x800) { this.highSurrogate = false; this.grow(2); return; }
    if (unit >= 0xdc00 && unit <= 0xdfff && this.highSurrogate) { this.highSurrogate = false; this.grow(1); return; } // pair: 3 + 1 = 4
    this.highSurrogate = unit >= 0xd800 && unit <= 0xdbff;
    this.grow(3);
  }

  private keyChar(unit: number): void {
    if (this.key === null) return;
    this.key = this.key.length < 16 ? this.key + String.fromCharCode(unit) : null;
  }

  private grow(n: number): void {
    this.size += n;
    if (this.size > this.largest) this.largest = this.size;
  }
}
