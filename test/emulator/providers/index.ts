import type { Emulator } from '../server';
import * as avaTar from './avatar';
import * as avatarTalk from './avatartalk';
import * as avatarTalkLightning from './avatartalkLightning';
import * as firebase from './firebase';
import * as liveKit from './livekit';
import * as liveTalking from './livetalking';
import * as multiTalk from './multitalk';
import * as museTalk from './musetalk';
import * as openAi from './openai';
import * as s3 from './s3';

export interface ProviderModule {
	register(emulator: Emulator): void;
}

/** Every stand-in the emulator runs; each module follows its document in ../shared/provider-apis. */
export const PROVIDERS: ProviderModule[] = [avatarTalk, avatarTalkLightning, multiTalk, museTalk, liveTalking, avaTar, liveKit, s3, openAi, firebase];
