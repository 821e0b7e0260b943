/** What each kind of env can do (`EnvInfo.can`, `hello.can`): one table for server, recorder and viewer. */
import type { EnvCapabilities } from './messages.js';

/** An emulator in the serving process: takes input, has a speed, no seeking. */
export const LOCAL_CAN: EnvCapabilities = Object.freeze({ input: true, emulatorSpeed: true, seek: false });
/** A published env: its emulator runs elsewhere (its rate here is a state rate), takes no input here. */
export const PUBLISHED_CAN: EnvCapabilities = Object.freeze({ input: false, emulatorSpeed: false, seek: false });
/** A recording: no input, no emulator, time can be moved. */
export const RECORDED_CAN: EnvCapabilities = Object.freeze({ input: false, emulatorSpeed: false, seek: true });
