// What every benchmark returns: a titled table of figures (printed and recorded, never asserted on time).
export interface BenchResult {
  title: string;
  columns: string[];
  rows: Record<string, string | number>[];
  verdict?: string;
  notes?: string[];
}
