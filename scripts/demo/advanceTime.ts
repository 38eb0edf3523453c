/** Moves the local chain's clock forward by `seconds` and mines a block at the new time. */
export async function advanceTime(
  publicClient: { request: (a: never) => Promise<unknown> },
  seconds: number,
): Promise<void> {
  await publicClient.request({ method: "evm_increaseTime", params: [seconds] } as never);
  await publicClient.request({ method: "evm_mine", params: [] } as never);
}
