import 'reflect-metadata';
import { VERSION } from 'nestjs-webhooks';
console.log(VERSION);
