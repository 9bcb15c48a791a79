import { describe, expect, it } from 'vitest';
import { parseTfFlags } from '../../bench/tfFlags';

describe('npm run bench -- learner --tf-flags', () => {
  it('reads NAME=VALUE pairs as numbers and booleans', () => {
    expect(parseTfFlags(undefined)).toEqual({});
    expect(parseTfFlags('WEBGPU_MATMUL_PROGRAM_TYPE=3,WEBGPU_USE_LOW_POWER_GPU=true,X=-1.5')).toEqual({
      WEBGPU_MATMUL_PROGRAM_TYPE: 3,
      WEBGPU_USE_LOW_POWER_GPU: true,
      X: -1.5,
    });
  });

  it('says what is wrong with a malformed pair', () => {
    expect(parseTfFlags('A')).toMatch(/NAME=VALUE/);
    expect(parseTfFlags('A=1=2')).toMatch(/NAME=VALUE/);
    expect(parseTfFlags('=1')).toMatch(/NAME=VALUE/);
    expect(parseTfFlags('A=fast')).toMatch(/A needs a number or true\/false, got 'fast'/);
    expect(parseTfFlags('A=')).toMatch(/A needs a number/);
  });
});
